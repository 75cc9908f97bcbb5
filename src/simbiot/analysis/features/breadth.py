"""Market breadth: how many symbols take part in a move, at each candle."""

from __future__ import annotations

import threading

import numpy as np

from simbiot.analysis.features._k_breadth import breadth_counts
from simbiot.analysis.features.feature_set import Breadth
from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.analysis.indicators._parallel import run_rows

__all__ = ["market_breadth"]


def market_breadth(
    close: FloatArray, trend: FloatArray, ret1: FloatArray, workers: int = 1
) -> Breadth:
    """Return the share of symbols above their trend EMA and the share that rose.

    Each candle counts only symbols with a defined EMA and one-bar return there. Symbols
    are counted on ``workers`` threads (whole counts: the result does not depend on it).
    Raise ValueError when the three arrays do not share one (symbols, time) shape.
    """
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in (close, trend, ret1)]
    if arrays[0].ndim != 2 or any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError(
            f"need three (symbols, time) arrays of one shape, got {[a.shape for a in arrays]}"
        )
    t_len = arrays[0].shape[1]
    total = np.zeros((3, t_len))
    lock = threading.Lock()

    def rows(a: int, b: int) -> None:
        part = np.empty((3, t_len))
        c, e, r = (x[a:b] for x in arrays)
        breadth_counts(c, e, r, part[0], part[1], part[2])
        with lock:  # whole counts: the order of the additions does not matter
            np.add(total, part, out=total)

    run_rows(rows, arrays[0].shape[0], workers, row_values=t_len)
    above, advancing, counted = total
    with np.errstate(invalid="ignore", divide="ignore"):
        above /= counted  # 0 / 0: NaN where no symbol counts
        advancing /= counted
    return Breadth(above_ema=above, advancing=advancing, counted=counted)
