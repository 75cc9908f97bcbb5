"""In-memory candle store: the Parquet store's twin for tests, backtests and embedded runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from simbiot.data.frame_assembly import assemble_frame
from simbiot.data.merge import merge_candles
from simbiot.domain.errors import DataError
from simbiot.domain.frame import MarketFrame
from simbiot.domain.market import Candles
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["MemoryCandleStore"]


class MemoryCandleStore:
    """Candles of one exchange and timeframe held in a dict."""

    def __init__(self, exchange: str, timeframe: str) -> None:
        timeframe_ms(timeframe)
        self._exchange = exchange
        self._timeframe = timeframe
        self._data: dict[str, Candles] = {}

    @property
    def exchange(self) -> str:
        return self._exchange

    @property
    def timeframe(self) -> str:
        return self._timeframe

    def read(self, symbol: str) -> Candles:
        """Return every stored candle of ``symbol`` (empty when none)."""
        return self._data.get(symbol) or Candles.empty(symbol, self._timeframe)

    def last_timestamp(self, symbol: str) -> int | None:
        """Open time of the newest stored candle of ``symbol``, or None."""
        return self.read(symbol).last_timestamp

    def symbols(self) -> list[str]:
        """Every symbol with candles, sorted."""
        return sorted(self._data)

    def append(self, candles: Candles) -> int:
        """Merge ``candles`` in; return rows added."""
        if len(candles) == 0:
            return 0
        if candles.timeframe != self._timeframe:
            raise DataError(
                f"{candles.symbol}: {candles.timeframe} candles given to a {self._timeframe} store"
            )
        merged, added = merge_candles(self.read(candles.symbol), candles)
        self._data[candles.symbol] = merged
        return added

    def append_many(self, batch: Iterable[Candles]) -> dict[str, int]:
        """Merge several symbols' candles; return rows added per symbol."""
        return {c.symbol: self.append(c) for c in batch}

    def load_frame(self, symbols: Sequence[str] | None = None, window: int = 500) -> MarketFrame:
        """Return the newest ``window`` candles of ``symbols`` (all when None) aligned."""
        names = self.symbols() if symbols is None else list(symbols)
        return assemble_frame(
            self._exchange, self._timeframe, [self.read(s) for s in names], window
        )
