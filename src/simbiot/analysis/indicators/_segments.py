"""Validity masks and runs of valid candles inside one row.

The gap rule of every indicator: a candle is valid when all the indicator's inputs are
finite there. Each maximal run of valid candles (a *segment*) is computed on its own,
exactly as TA-Lib computes that run alone; recurrences and windows restart after a gap,
warm-up NaNs reappear at the start of every segment, and invalid candles give NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simbiot.analysis.indicators._jit import kernel

__all__ = ["mask_finite", "mask_positive", "next_segment"]


@kernel
def mask_finite(a: Any, b: Any, c: Any, d: Any, valid: Any) -> None:
    """Set ``valid[t]`` where all four rows are finite (pass a row twice for fewer inputs)."""
    for t in range(valid.shape[0]):
        valid[t] = (
            np.isfinite(a[t]) and np.isfinite(b[t]) and np.isfinite(c[t]) and np.isfinite(d[t])
        )


@kernel
def mask_positive(a: Any, b: Any, c: Any, d: Any, valid: Any) -> None:
    """Set ``valid[t]`` where all four rows are finite and strictly positive (log prices)."""
    for t in range(valid.shape[0]):
        valid[t] = (
            np.isfinite(a[t])
            and np.isfinite(b[t])
            and np.isfinite(c[t])
            and np.isfinite(d[t])
            and a[t] > 0.0
            and b[t] > 0.0
            and c[t] > 0.0
            and d[t] > 0.0
        )


@kernel
def next_segment(valid: Any, start: int) -> tuple[int, int]:
    """Return ``(s, e)``: the first run of valid candles at or after ``start`` (``s == n`` if none)."""
    n = valid.shape[0]
    s = start
    while s < n and not valid[s]:
        s += 1
    e = s
    while e < n and valid[e]:
        e += 1
    return s, e
