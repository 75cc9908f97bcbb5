"""Assemble many symbols' candles into one aligned MarketFrame, vectorised across symbols."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simbiot.domain.frame import MarketFrame
from simbiot.domain.market import Candles
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["assemble_frame"]

_PRICE_COLUMNS = ("open", "high", "low", "close", "volume")


def assemble_frame(
    exchange: str, timeframe: str, candles: Sequence[Candles], window: int
) -> MarketFrame:
    """Place each symbol's newest candles on one time axis of ``window`` steps.

    The axis ends at the newest candle of any symbol (right alignment); a symbol with no
    candle at a time (late listing, gap, stale) holds NaN there.
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    step = timeframe_ms(timeframe)
    symbols = tuple(c.symbol for c in candles)
    lasts = [c.last_timestamp for c in candles]
    known = [t for t in lasts if t is not None]
    if not known:
        empty = np.empty((len(symbols), 0), dtype=np.float64)
        return MarketFrame(
            exchange,
            timeframe,
            symbols,
            np.empty(0, dtype=np.int64),
            *(empty.copy() for _ in _PRICE_COLUMNS),
        )
    end = max(known)
    start = end - (window - 1) * step
    axis = np.arange(start, end + step, step, dtype=np.int64)
    # Only each symbol's tail can fall inside the window: slice before concatenating.
    tails = [c.slice(max(0, len(c) - window)) if len(c) > window else c for c in candles]
    sizes = np.fromiter((len(c) for c in tails), dtype=np.intp, count=len(tails))
    rows = np.repeat(np.arange(len(tails), dtype=np.intp), sizes)
    ts = np.concatenate([c.timestamp for c in tails]) if tails else np.empty(0, np.int64)
    offset = ts - start
    inside = (offset >= 0) & (offset % step == 0)
    cols = (offset[inside] // step).astype(np.intp)
    rows = rows[inside]
    shape = (len(symbols), window)
    out = []
    for name in _PRICE_COLUMNS:
        matrix = np.full(shape, np.nan, dtype=np.float64)
        values = np.concatenate([getattr(c, name) for c in tails])
        matrix[rows, cols] = values[inside]
        out.append(matrix)
    return MarketFrame(exchange, timeframe, symbols, axis, *out)
