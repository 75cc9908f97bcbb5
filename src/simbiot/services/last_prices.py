"""Last prices of a venue for every reader (API PnL, positions at market), shared via cache.

The venue's tickers are fetched once for all symbols and kept under
``CacheKeys.tickers`` for the tickers TTL, so a thousand users asking for their PnL cost
one ticker request per TTL (one per process at worst when the cache is cold). When the
venue cannot answer, the readers get no price and fall back to their own (entry) prices.
"""

from __future__ import annotations

import asyncio
import logging
import math
from decimal import Decimal

import orjson

from simbiot.cache.keys import CacheKeys, CacheKind
from simbiot.cache.ttl import TTLPolicy
from simbiot.domain.errors import SimbiotError
from simbiot.services.container import Container

__all__ = ["LastPrices"]

log = logging.getLogger(__name__)

# A venue slower than this to give its tickers gives no prices this time.
_FETCH_TIMEOUT_S = 5.0


class LastPrices:
    """Symbol → last price of one venue, cached for every process."""

    def __init__(self, container: Container) -> None:
        self._c = container
        self._ttl = TTLPolicy(container.settings.cache.ttl).for_kind(CacheKind.TICKERS)
        self._lock = asyncio.Lock()
        self._quiet_until_ms = 0  # after a failed fetch, no retry before this (clock ms)

    async def _cached(self, key: str) -> dict[str, Decimal] | None:
        try:
            raw = await self._c.cache.get(key)
        except SimbiotError as exc:
            log.warning("prices cache unavailable: %s", exc)
            return None
        if raw is None:
            return None
        try:
            doc = orjson.loads(raw)
            return {str(k): Decimal(str(v)) for k, v in doc.items()}
        except (orjson.JSONDecodeError, AttributeError, ArithmeticError, ValueError):
            return None

    async def prices(self, venue: str | None = None) -> dict[str, Decimal]:
        """Return the venue's last prices (empty when the venue cannot tell)."""
        name = self._c.venue(venue)
        key = CacheKeys.tickers(name)
        found = await self._cached(key)
        if found is not None:
            return found
        async with self._lock:  # one fetch per process while the cache is cold
            found = await self._cached(key)
            if found is not None:
                return found
            now = self._c.clock.now_ms()
            if now < self._quiet_until_ms:
                return {}
            try:
                tickers = await asyncio.wait_for(
                    self._c.market_data(name).fetch_tickers(), _FETCH_TIMEOUT_S
                )
            except (SimbiotError, TimeoutError) as exc:
                log.warning("%s: last prices unavailable: %s", name, exc)
                self._quiet_until_ms = now + int((self._ttl or 30) * 1000)
                return {}
            out = {
                s: Decimal(repr(t.last))
                for s, t in tickers.items()
                if t.last is not None and math.isfinite(t.last) and t.last > 0
            }
            try:
                doc = orjson.dumps({s: str(p) for s, p in out.items()})
                await self._c.cache.set(key, doc, self._ttl)
            except SimbiotError as exc:
                log.warning("prices not cached: %s", exc)
            return out
