"""Latest prices for paper fills and sizing: a port, a fixed twin, and a ticker-backed source."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol, runtime_checkable

from simbiot.domain.clock import Clock
from simbiot.exchange.ports import MarketDataPort
from simbiot.risk.sizing import decimal_of

__all__ = ["PriceSource", "StaticPrices", "TickerPrices"]


@runtime_checkable
class PriceSource(Protocol):
    """The latest traded price of a symbol on a venue."""

    async def last_price(self, exchange: str, symbol: str) -> Decimal | None:
        """Return the latest price, or None when the symbol has none."""
        ...


class StaticPrices:
    """Prices set by hand (backtests, tests, replay)."""

    def __init__(self, prices: Mapping[tuple[str, str], Decimal] | None = None) -> None:
        self._prices = dict(prices or {})

    def set(self, exchange: str, symbol: str, price: Decimal) -> None:
        """Set the latest price of a symbol."""
        self._prices[(exchange, symbol)] = price

    async def last_price(self, exchange: str, symbol: str) -> Decimal | None:
        return self._prices.get((exchange, symbol))


class TickerPrices:
    """Prices from one venue's tickers, fetched for all symbols at once and kept ``ttl_s``."""

    def __init__(self, market_data: MarketDataPort, clock: Clock, ttl_s: float = 2.0) -> None:
        self._md = market_data
        self._clock = clock
        self._ttl_ms = int(ttl_s * 1000)
        self._prices: dict[str, Decimal] = {}
        self._at_ms: int | None = None
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        async with self._lock:
            now = self._clock.now_ms()
            if self._at_ms is not None and now - self._at_ms < self._ttl_ms:
                return
            tickers = await self._md.fetch_tickers()
            self._prices = {s: decimal_of(t.last) for s, t in tickers.items() if t.last > 0}
            self._at_ms = now

    async def last_price(self, exchange: str, symbol: str) -> Decimal | None:
        if exchange != self._md.exchange:
            return None
        await self._refresh()
        return self._prices.get(symbol)
