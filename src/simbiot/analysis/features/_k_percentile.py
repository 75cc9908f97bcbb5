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

    Each row's values are replaced by their rank among the row's distinct values, and a
    Fenwick tree over those ranks counts the window: O(log n) per candle instead of a
    pass over the window. Sorting the row to rank it reads the future, but only to
    name values; every count uses window values alone.
    """
    n = x.shape[1]
    tree = np.zeros(n + 1, np.int64)
    code = np.empty(n, np.int64)
    for i in range(x.shape[0]):
        row = x[i]
        ordered = np.unique(row[np.isfinite(row)])
        u = ordered.shape[0]
        tree[: u + 1] = 0
        for t in range(n):
            v = row[t]
            code[t] = np.searchsorted(ordered, v) + 1 if np.isfinite(v) else 0
        m = 0
        for t in range(n):
            if t >= window and code[t - window] > 0:
                k = code[t - window]
                while k <= u:
                    tree[k] -= 1
                    k += k & (-k)
                m -= 1
            k = code[t]
            if k == 0:
                out[i, t] = np.nan
                continue
            j = k
            while j <= u:
                tree[j] += 1
                j += j & (-j)
            m += 1
            below = 0
            while k > 0:
                below += tree[k]
                k -= k & (-k)
            out[i, t] = below / m if m >= min_periods else np.nan
