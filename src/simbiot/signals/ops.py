"""Vectorised building blocks over (symbols, time) arrays. NaN never satisfies a condition."""

from __future__ import annotations

import numba
import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.signals.frame import BoolArray

__all__ = [
    "cross_percentile",
    "crosses_above",
    "crosses_below",
    "falling",
    "rising",
    "rolling_rank",
    "shift",
]


def shift(a: FloatArray, n: int = 1) -> FloatArray:
    """Return ``a`` delayed by ``n`` bars along time (NaN in the first ``n`` columns)."""
    out = np.full_like(a, np.nan, dtype=np.float64)
    if n < a.shape[-1]:
        out[..., n:] = a[..., : a.shape[-1] - n]
    return out


def _as2d(x: FloatArray | float, like: FloatArray) -> FloatArray:
    return np.broadcast_to(np.asarray(x, dtype=np.float64), like.shape)


def crosses_above(a: FloatArray, b: FloatArray | float) -> BoolArray:
    """True where ``a`` closes above ``b`` after being at or below it on the bar before."""
    bb = _as2d(b, a)
    now = a > bb
    before = shift(a) <= shift(np.ascontiguousarray(bb))
    return now & before


def crosses_below(a: FloatArray, b: FloatArray | float) -> BoolArray:
    """True where ``a`` closes below ``b`` after being at or above it on the bar before."""
    bb = _as2d(b, a)
    now = a < bb
    before = shift(a) >= shift(np.ascontiguousarray(bb))
    return now & before


def _monotone(a: FloatArray, n: int, up: bool) -> BoolArray:
    step = (a > shift(a)) if up else (a < shift(a))
    if n <= 1:
        return step
    # A run of n consecutive strict steps: a rolling sum of the step indicator equals n.
    csum = np.cumsum(step, axis=-1, dtype=np.int64)
    run = csum.copy()
    run[..., n:] -= csum[..., :-n]
    return run >= n


def rising(a: FloatArray, n: int = 1) -> BoolArray:
    """True where ``a`` rose on each of the last ``n`` bars."""
    return _monotone(a, n, up=True)


def falling(a: FloatArray, n: int = 1) -> BoolArray:
    """True where ``a`` fell on each of the last ``n`` bars."""
    return _monotone(a, n, up=False)


def cross_percentile(a: FloatArray, q: float) -> FloatArray:
    """Return, for each bar, the ``q``-th percentile (0-100) of ``a`` across symbols, shape (1, T).

    Linear interpolation between order statistics (numpy's default method) over the finite
    values of each bar; bars where no symbol has a value give NaN.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"q must lie in [0, 100], got {q!r}")
    # One sort of the whole block (NaN sorts last) instead of a per-column nanpercentile.
    ordered = np.sort(np.where(np.isfinite(a), a, np.nan), axis=0)
    n = np.isfinite(a).sum(axis=0)
    pos = (q / 100.0) * np.maximum(n - 1, 0)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    cols = np.arange(a.shape[-1])
    frac = pos - lo
    low_v, high_v = ordered[lo, cols], ordered[hi, cols]
    out = low_v + (high_v - low_v) * frac
    # Exact where the position is an order statistic (inf - inf would give NaN otherwise).
    out = np.where(frac == 0, low_v, out)
    out[n == 0] = np.nan
    result: FloatArray = out[np.newaxis, :]
    return result


@numba.njit(cache=True, nogil=True)
def _rolling_rank(a: FloatArray, window: int, out: FloatArray) -> None:  # pragma: no cover
    rows, cols = a.shape
    for r in range(rows):
        for t in range(cols):
            x = a[r, t]
            if t + 1 < window or not np.isfinite(x):
                out[r, t] = np.nan
                continue
            below = 0
            count = 0
            for j in range(t + 1 - window, t + 1):
                v = a[r, j]
                if np.isfinite(v):
                    count += 1
                    if v <= x:
                        below += 1
            out[r, t] = below / count if count == window else np.nan


def rolling_rank(a: FloatArray, window: int) -> FloatArray:
    """Return the share of the last ``window`` values (this one included) at or below each value.

    0.05 means the value is among the lowest 5 % of its own recent history; a window with a
    missing value gives NaN.
    """
    if window < 2:
        raise ValueError(f"window must be >= 2, got {window}")
    src = np.ascontiguousarray(a, dtype=np.float64)
    out = np.empty_like(src)
    _rolling_rank(src, window, out)
    return out
