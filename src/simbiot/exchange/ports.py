"""Ports of the exchange layer. Adapters (ccxt, in-memory twins) implement these."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from simbiot.domain.market import Candles, MarketInfo, Ticker

__all__ = ["MarketDataPort"]


@runtime_checkable
class MarketDataPort(Protocol):
    """Public market data of one venue, shared by every user (one instance per exchange).

    Implementations throttle, retry reads and translate errors into ``simbiot.domain.errors``;
    a malformed item is rejected on its own (``MalformedPayload``), never crashing the batch.
    """

    @property
    def exchange(self) -> str:
        """Venue id: "mexc", "binance", "bybit"."""
        ...

    async def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        """Return every market by unified symbol; loaded once and shared unless ``reload``."""
        ...

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        """Return candles from ``since_ms`` (inclusive), oldest first, validated."""
        ...

    async def fetch_tickers(self) -> dict[str, Ticker]:
        """Return the latest ticker of every market (malformed ones skipped)."""
        ...

    async def ping(self) -> bool:
        """Whether the venue answers at all (network check before a batch)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
