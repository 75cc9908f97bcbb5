"""The candle tape: every market's candles on one index grid, and interval aggregation.

Candle ``k`` of every market opens at ``origin_ms + k * timeframe_ms``. A market that does
not trade at ``k`` (not listed yet, delisted, no data) holds NaN there.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from simbiot.exchange.simulator.universe import Universe

__all__ = ["Tape", "aggregate"]

FloatArray = npt.NDArray[np.float64]


class Tape(Protocol):
    """Candles of every market, produced or loaded up to a candle index."""

    universe: Universe
    timeframe_ms: int
    origin_ms: int

    def ensure(self, index: int) -> None:
        """Make candles up to ``index`` (inclusive) available."""
        ...

    def first_stored(self) -> int:
        """Return the oldest candle index still held."""
        ...

    def last_index(self) -> int:
        """Return the newest candle index made available so far."""
        ...

    def rows(self, market: int, lo: int, hi: int) -> FloatArray:
        """Return candles ``lo..hi`` (inclusive) of one market as (n, 6): index, OHLCV."""
        ...

    def column(self, index: int) -> FloatArray:
        """Return candle ``index`` of every market as (5, markets): O, H, L, C, V."""
        ...

    def block(self, lo: int, hi: int) -> FloatArray:
        """Return candles ``lo..hi`` of every market as (hi - lo + 1, 5, markets)."""
        ...


def aggregate(rows: FloatArray, factor: int, origin_ms: int, timeframe_ms: int) -> FloatArray:
    """Merge base candles (index, OHLCV rows) into candles ``factor`` times longer.

    Returns rows of (open time ms, O, H, L, C, V); a bucket keeps whatever base candles it
    has, so the forming candle and a listing's first candle are partial, as on a venue.
    """
    if rows.size == 0:
        return np.empty((0, 6))
    bucket = np.floor_divide(
        origin_ms + rows[:, 0].astype(np.int64) * timeframe_ms, factor * timeframe_ms
    )
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    ends = np.r_[starts[1:], len(rows)] - 1
    out = np.empty((len(starts), 6))
    out[:, 0] = bucket[starts] * factor * timeframe_ms
    out[:, 1] = rows[starts, 1]
    out[:, 2] = np.maximum.reduceat(rows[:, 2], starts)
    out[:, 3] = np.minimum.reduceat(rows[:, 3], starts)
    out[:, 4] = rows[ends, 4]
    out[:, 5] = np.add.reduceat(rows[:, 5], starts)
    return out
