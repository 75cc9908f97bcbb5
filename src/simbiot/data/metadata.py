"""Market metadata (D5) cached 7 days, fused with CoinGecko's market cap, rank, categories (D1)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from simbiot.cache.codec import decode_json, encode_json
from simbiot.cache.keys import CacheKeys
from simbiot.cache.port import Cache
from simbiot.data.coin_mapping import map_markets
from simbiot.data.coingecko_parse import CoinGeckoCoin, parse_coins
from simbiot.data.market_codec import decode_markets, encode_markets
from simbiot.domain.clock import Clock
from simbiot.domain.errors import DataError, ExchangeError
from simbiot.domain.market import MarketInfo
from simbiot.exchange.ports import MarketDataPort

__all__ = ["CoinSource", "MarketMetadata", "MarketProfile"]

log = logging.getLogger(__name__)


class CoinSource(Protocol):
    """Where coin listings come from (``CoinGeckoClient``)."""

    async def coins_markets(self, pages: int | None = None) -> list[CoinGeckoCoin]: ...


@dataclass(frozen=True, slots=True)
class MarketProfile:
    """A market with what CoinGecko knows of its base asset (None fields when unmapped)."""

    market: MarketInfo
    coingecko_id: str | None = None
    name: str | None = None
    market_cap: float | None = None
    rank: int | None = None
    categories: tuple[str, ...] = ()
    match: str | None = None  # how the coin was found; None = unmapped


class MarketMetadata:
    """One exchange's market metadata and coin profiles, shared through the cache."""

    def __init__(
        self,
        market_data: MarketDataPort,
        cache: Cache,
        clock: Clock,
        ttl_s: float,
        *,
        coingecko: CoinSource | None = None,
        overrides: dict[str, str] | None = None,
    ) -> None:
        self._md = market_data
        self._cache = cache
        self._clock = clock
        self._ttl_s = ttl_s
        self._cg = coingecko
        self._overrides = overrides or {}

    async def markets(self, *, refresh: bool = False) -> dict[str, MarketInfo]:
        """Return every market of the exchange, from the cache unless stale or ``refresh``."""
        key = CacheKeys.markets(self._md.exchange)
        if not refresh:
            raw = await self._cache.get(key)
            if raw is not None:
                try:
                    return decode_markets(raw)
                except DataError as exc:
                    log.warning(
                        "cached markets of %s unusable, reloading: %s", self._md.exchange, exc
                    )
        markets = await self._md.load_markets(reload=refresh)
        await self._cache.set(
            key, encode_markets(markets, updated_ms=self._clock.now_ms()), self._ttl_s
        )
        return markets

    async def coins(self, *, refresh: bool = False) -> list[CoinGeckoCoin]:
        """Return CoinGecko's coins, cached; empty when CoinGecko is off or unreachable."""
        key = CacheKeys.coingecko_coins()
        if not refresh:
            raw = await self._cache.get(key)
            if raw is not None:
                try:
                    coins, _ = parse_coins(decode_json(raw), source="cache")
                    return coins
                except DataError as exc:
                    log.warning("cached coingecko coins unusable, reloading: %s", exc)
        if self._cg is None:
            return []
        try:
            coins = await self._cg.coins_markets()
        except (ExchangeError, DataError) as exc:
            # Profiles are enrichment: without CoinGecko the markets still serve.
            log.warning("coingecko unavailable, profiles without market caps: %s", exc)
            return []
        await self._cache.set(key, encode_json([c.as_dict() for c in coins]), self._ttl_s)
        return coins

    async def profiles(self, *, refresh: bool = False) -> dict[str, MarketProfile]:
        """Return a profile per market, CoinGecko facts filled in where mapped."""
        markets = await self.markets(refresh=refresh)
        coins = await self.coins(refresh=refresh)
        matches = map_markets(markets.values(), coins, overrides=self._overrides)
        out: dict[str, MarketProfile] = {}
        for symbol, market in markets.items():
            m = matches.get(symbol)
            if m is None:
                out[symbol] = MarketProfile(market)
                continue
            out[symbol] = MarketProfile(
                market,
                coingecko_id=m.coin.id,
                name=m.coin.name,
                market_cap=m.coin.market_cap,
                rank=m.coin.rank,
                categories=m.coin.categories,
                match=m.method,
            )
        log.debug(
            "%s: %d of %d markets mapped to coingecko",
            self._md.exchange,
            len(matches),
            len(markets),
        )
        return out
