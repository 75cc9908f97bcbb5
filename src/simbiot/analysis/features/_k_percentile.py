"""Numba kernel: rank of each value among its own trailing window."""

from __future__ import annotations

from typing import Any

import numpy as np

from simbiot.analysis.indicators._jit import kernel


@kernel
def rolling_percentile_2d(x: Any, window: int, min_periods: int, out: Any) -> None:
    """out[i, t] = share of finite x[i, t-window+1 .. t] that are <= x[i, t].

    NaN where x[i, t] is NaN or fewer than ``min_periods`` finite values are in the window.
    Only values at or before ``t`` are read, so the result never looks ahead.
    """
    n = x.shape[1]
    finite = np.empty(n + 1, np.int64)
    for i in range(x.shape[0]):
        row = x[i]
        finite[0] = 0
        for t in range(n):
            finite[t + 1] = finite[t] + (1 if np.isfinite(row[t]) else 0)
        for t in range(n):
            v = row[t]
            start = t - window + 1 if t - window + 1 > 0 else 0
            count = finite[t + 1] - finite[start]
            if not np.isfinite(v) or count < min_periods:
                out[i, t] = np.nan
                continue
            below = 0
            # NaN compares false, so the count needs no finiteness branch (and vectorises)
            for j in range(start, t + 1):
                below += 1 if row[j] <= v else 0
            out[i, t] = below / count
