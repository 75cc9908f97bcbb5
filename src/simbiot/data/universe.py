"""Available symbols (G10, F4): trading, API-tradable, in the quote currency; cached 24 h."""

from __future__ import annotations

import logging

from simbiot.cache.codec import decode_json, encode_json
from simbiot.cache.keys import CacheKeys
from simbiot.cache.port import Cache
from simbiot.domain.clock import Clock
from simbiot.domain.errors import DataError
from simbiot.domain.market import MarketInfo
from simbiot.exchange.ports import MarketDataPort

__all__ = ["Universe", "available_symbols"]

log = logging.getLogger(__name__)


def available_symbols(markets: dict[str, MarketInfo], quote: str) -> list[str]:
    """Return the sorted symbols that can be traded through the API in ``quote``."""
    q = quote.upper()
    return sorted(s for s, m in markets.items() if m.tradable and m.quote.upper() == q)


class Universe:
    """The symbols one exchange offers for trading, shared by every process through the cache.

    The list lives in the cache for ``ttl_s`` (24 h by default); when it has expired the
    next reader reloads the venue's markets, so the list is refreshed daily without a
    scheduler. ``refresh`` forces it (the daily job, or an operator).
    """

    def __init__(
        self, market_data: MarketDataPort, cache: Cache, clock: Clock, ttl_s: float, quote: str
    ) -> None:
        self._md = market_data
        self._cache = cache
        self._clock = clock
        self._ttl_s = ttl_s
        self._quote = quote

    @property
    def key(self) -> str:
        """The cache key of the list."""
        return CacheKeys.symbols_available(self._md.exchange)

    async def symbols(self) -> list[str]:
        """Return the available symbols, from the cache when fresh."""
        raw = await self._cache.get(self.key)
        if raw is not None:
            try:
                doc = decode_json(raw)
                symbols = doc["symbols"]
                if isinstance(symbols, list) and all(isinstance(s, str) for s in symbols):
                    return symbols
                raise DataError("symbols is not a list of strings")
            except (DataError, KeyError, TypeError) as exc:
                log.warning(
                    "cached symbol list of %s unusable, reloading: %s", self._md.exchange, exc
                )
        return await self.refresh()

    async def refresh(self) -> list[str]:
        """Reload the venue's markets and cache the available symbols."""
        markets = await self._md.load_markets(reload=True)
        symbols = available_symbols(markets, self._quote)
        doc = {"symbols": symbols, "quote": self._quote, "updated_ms": self._clock.now_ms()}
        await self._cache.set(self.key, encode_json(doc), self._ttl_s)
        log.info(
            "%s: %d of %d markets available in %s",
            self._md.exchange,
            len(symbols),
            len(markets),
            self._quote,
        )
        return symbols
