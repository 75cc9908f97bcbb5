"""Market breadth: how many symbols take part in a move, at each candle."""

from __future__ import annotations

import numpy as np

from simbiot.analysis.features._k_breadth import breadth_counts
from simbiot.analysis.features.feature_set import Breadth
from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.analysis.indicators._parallel import row_parts, run_parts

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
    parts = row_parts(arrays[0].shape[0], workers)
    counts = np.zeros((max(len(parts), 1), 3, t_len))

    def rows(a: int, b: int) -> None:
        k = parts.index((a, b))
        c, e, r = (x[a:b] for x in arrays)
        breadth_counts(c, e, r, counts[k, 0], counts[k, 1], counts[k, 2])

    run_parts(rows, parts)
    above, advancing, counted = counts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        above /= counted  # 0 / 0: NaN where no symbol counts
        advancing /= counted
    return Breadth(above_ema=above, advancing=advancing, counted=counted)
