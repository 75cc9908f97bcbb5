"""Numba kernel: market breadth counts in one pass over the rows."""

from __future__ import annotations

import math
from typing import Any

from simbiot.analysis.indicators._jit import kernel


@kernel
def breadth_counts(
    close: Any, trend: Any, ret1: Any, above: Any, rising: Any, counted: Any
) -> None:
    """Count, per candle, symbols with all three values finite, above their trend, and rising.

    The three outputs are 1-D float64 over time and are overwritten. Rows are walked in
    memory order and added into per-candle counters, instead of masks and column sums.
    """
    t_len = close.shape[1]
    for t in range(t_len):
        above[t] = 0.0
        rising[t] = 0.0
        counted[t] = 0.0
    for i in range(close.shape[0]):
        c = close[i]
        e = trend[i]
        r = ret1[i]
        for t in range(t_len):
            ok = math.isfinite(c[t]) and math.isfinite(e[t]) and math.isfinite(r[t])
            counted[t] += 1.0 if ok else 0.0
            above[t] += 1.0 if (ok and c[t] > e[t]) else 0.0
            rising[t] += 1.0 if (ok and r[t] > 0.0) else 0.0
