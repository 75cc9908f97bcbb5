"""In-memory twin of ``MarketDataPort`` for tests and offline tools.

It serves candles, markets and tickers given at construction and can be told to fail
for a symbol, so callers' quarantine and fallback paths can be tested without a network.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from simbiot.domain.errors import BadSymbol, ExchangeError, NetworkError
from simbiot.domain.market import Candles, MarketInfo, Ticker

__all__ = ["InMemoryMarketData"]


class InMemoryMarketData:
    """A ``MarketDataPort`` over fixed data, with scripted failures."""

    def __init__(
        self,
        exchange: str = "mexc",
        *,
        markets: Mapping[str, MarketInfo] | None = None,
        candles: Mapping[str, Candles] | Iterable[Candles] = (),
        tickers: Mapping[str, Ticker] | None = None,
    ) -> None:
        self._exchange = exchange
        self._markets = dict(markets or {})
        self._tickers = dict(tickers or {})
        self._candles: dict[tuple[str, str], Candles] = {}
        frames = candles.values() if isinstance(candles, Mapping) else candles
        for frame in frames:
            self.add_candles(frame)
        self._failures: dict[str, tuple[ExchangeError, int | None]] = {}
        self.reachable = True
        self.closed = False
        self.calls: Counter[str] = Counter()

    @property
    def exchange(self) -> str:
        return self._exchange

    def add_candles(self, candles: Candles) -> None:
        """Serve ``candles`` for its symbol and timeframe (replacing earlier ones)."""
        self._candles[(candles.symbol, candles.timeframe)] = candles

    def fail(
        self, symbol: str, error: ExchangeError | None = None, times: int | None = None
    ) -> None:
        """Make requests for ``symbol`` raise ``error`` (default ``NetworkError``) ``times`` times.

        ``times=None`` fails until ``heal(symbol)``.
        """
        exc = error or NetworkError("scripted failure", exchange=self._exchange, symbol=symbol)
        self._failures[symbol] = (exc, times)

    def heal(self, symbol: str) -> None:
        """Stop failing requests for ``symbol``."""
        self._failures.pop(symbol, None)

    def _maybe_fail(self, symbol: str) -> None:
        entry = self._failures.get(symbol)
        if entry is None:
            return
        exc, times = entry
        if times is not None:
            if times <= 1:
                del self._failures[symbol]
            else:
                self._failures[symbol] = (exc, times - 1)
        raise exc

    async def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        """Return the markets given at construction."""
        self.calls["load_markets"] += 1
        return dict(self._markets)

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        """Return up to ``limit`` stored candles from ``since_ms`` (the newest when None)."""
        self.calls["fetch_ohlcv"] += 1
        self._maybe_fail(symbol)
        frame = self._candles.get((symbol, timeframe))
        if frame is None:
            if symbol in self._markets:
                return Candles.empty(symbol, timeframe)
            raise BadSymbol(f"unknown symbol {symbol}", exchange=self._exchange, symbol=symbol)
        if since_ms is None:
            start = max(len(frame) - limit, 0)
        else:
            start = int(np.searchsorted(frame.timestamp, since_ms, side="left"))
        return frame.slice(start, start + limit)

    async def fetch_tickers(self) -> dict[str, Ticker]:
        """Return the tickers given at construction, minus failing symbols."""
        self.calls["fetch_tickers"] += 1
        return {s: t for s, t in self._tickers.items() if s not in self._failures}

    async def ping(self) -> bool:
        """Return ``reachable``."""
        self.calls["ping"] += 1
        return self.reachable

    async def close(self) -> None:
        """Mark the twin closed."""
        self.closed = True
