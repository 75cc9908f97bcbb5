"""Aggregate candles to a longer timeframe (first open, max high, min low, last close, sum volume)."""

from __future__ import annotations

import numpy as np

from simbiot.domain.market import Candles
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["resample"]


def resample(candles: Candles, timeframe: str, *, complete_only: bool = True) -> Candles:
    """Return ``candles`` aggregated to ``timeframe``, vectorised with ``reduceat``.

    ``complete_only`` keeps only buckets holding every shorter candle, so a bucket with a gap
    is left out instead of reported with a partial range.
    """
    src = timeframe_ms(candles.timeframe)
    dst = timeframe_ms(timeframe)
    if dst % src:
        raise ValueError(f"{timeframe} is not a multiple of {candles.timeframe}")
    if len(candles) == 0:
        return Candles.empty(candles.symbol, timeframe)
    bucket = candles.timestamp - candles.timestamp % dst
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    counts = np.diff(np.r_[starts, len(bucket)])
    ends = starts + counts - 1
    out = Candles(
        candles.symbol,
        timeframe,
        bucket[starts],
        candles.open[starts],
        np.maximum.reduceat(candles.high, starts),
        np.minimum.reduceat(candles.low, starts),
        candles.close[ends],
        np.add.reduceat(candles.volume, starts),
    )
    if complete_only:
        full = counts == dst // src
        if not full.all():
            idx = np.flatnonzero(full)
            out = Candles(
                out.symbol,
                timeframe,
                *(
                    getattr(out, c)[idx]
                    for c in ("timestamp", "open", "high", "low", "close", "volume")
                ),
            )
    return out
