"""A whole market as aligned 2-D arrays (symbols × time): the X-ray's input."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["MarketFrame"]

FloatMatrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MarketFrame:
    """OHLCV of many symbols on one shared time axis.

    Row ``i`` is ``symbols[i]``; column ``j`` is the candle opening at ``timestamp[j]``.
    A symbol with no candle at a time (not listed yet, gap, quarantined) holds NaN there;
    rows are right-aligned on the newest candle. Arrays are C-contiguous float64.
    """

    exchange: str
    timeframe: str
    symbols: tuple[str, ...]
    timestamp: npt.NDArray[np.int64]
    open: FloatMatrix
    high: FloatMatrix
    low: FloatMatrix
    close: FloatMatrix
    volume: FloatMatrix

    def __post_init__(self) -> None:
        shape = (len(self.symbols), len(self.timestamp))
        for name in ("open", "high", "low", "close", "volume"):
            arr = getattr(self, name)
            if arr.shape != shape:
                raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")

    @property
    def shape(self) -> tuple[int, int]:
        """(number of symbols, number of candles)."""
        return (len(self.symbols), len(self.timestamp))

    def index(self, symbol: str) -> int:
        """Row of ``symbol``; raise KeyError when absent."""
        try:
            return self.symbols.index(symbol)
        except ValueError:
            raise KeyError(symbol) from None

    def select(self, rows: npt.NDArray[np.intp] | list[int]) -> MarketFrame:
        """Return a frame with only ``rows`` (copies)."""
        idx = np.asarray(rows, dtype=np.intp)
        return MarketFrame(
            self.exchange,
            self.timeframe,
            tuple(self.symbols[i] for i in idx),
            self.timestamp,
            np.ascontiguousarray(self.open[idx]),
            np.ascontiguousarray(self.high[idx]),
            np.ascontiguousarray(self.low[idx]),
            np.ascontiguousarray(self.close[idx]),
            np.ascontiguousarray(self.volume[idx]),
        )

    def tail(self, n: int) -> MarketFrame:
        """Return the newest ``n`` candles of every symbol (views)."""
        s = slice(max(0, len(self.timestamp) - n), None)
        return MarketFrame(
            self.exchange,
            self.timeframe,
            self.symbols,
            self.timestamp[s],
            self.open[:, s],
            self.high[:, s],
            self.low[:, s],
            self.close[:, s],
            self.volume[:, s],
        )
