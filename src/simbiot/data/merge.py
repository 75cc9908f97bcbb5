"""Merging new candles into stored ones (dedup by open time, the newer row wins)."""

from __future__ import annotations

import numpy as np

from simbiot.domain.market import CANDLE_COLUMNS, Candles

__all__ = ["merge_candles"]


def merge_candles(old: Candles, new: Candles) -> tuple[Candles, int]:
    """Return ``old`` with ``new`` merged in and the number of open times ``old`` lacked.

    Both inputs are sorted and unique (cleaned). The common case, new candles strictly
    after the stored ones, is a plain concatenation.
    """
    if len(new) == 0:
        return old, 0
    if len(old) == 0:
        return new, len(new)
    if new.timestamp[0] > old.timestamp[-1]:
        cols = [np.concatenate((getattr(old, c), getattr(new, c))) for c in CANDLE_COLUMNS]
        return Candles(old.symbol, old.timeframe, *cols), len(new)
    added = int(len(new) - np.isin(new.timestamp, old.timestamp, assume_unique=True).sum())
    cols = [np.concatenate((getattr(old, c), getattr(new, c))) for c in CANDLE_COLUMNS]
    order = np.argsort(cols[0], kind="stable")
    cols = [col[order] for col in cols]
    ts = cols[0]
    # Stable sort keeps old before new inside a run of equal times; keep each run's last row.
    last = np.ones(len(ts), dtype=bool)
    last[:-1] = ts[1:] != ts[:-1]
    return Candles(old.symbol, old.timeframe, *(col[last] for col in cols)), added
