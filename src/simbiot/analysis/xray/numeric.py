"""NaN-safe, vectorised helpers over (symbols × time) arrays used by every X-ray stage.

Rows are symbols, columns are candles (right-aligned on the newest). A value is *valid* when
it is finite. Nothing here loops over symbols in Python.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "FloatArray",
    "cross_section_rank",
    "first_valid_index",
    "last_column",
    "log_prices",
    "nanmedian_mad",
    "own_percentile",
    "valid_suffix_len",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# 1 / Φ⁻¹(3/4): makes the MAD a consistent estimator of sigma for normal data.
MAD_TO_SIGMA = 1.4826


def log_prices(x: FloatArray) -> FloatArray:
    """Return log(x) where x is finite and positive, NaN elsewhere."""
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x) & (x > 0)
    np.log(x, out=out, where=ok)
    return out


def valid_suffix_len(x: FloatArray) -> IntArray:
    """Count, per row, the consecutive valid values ending at the newest column."""
    if x.shape[-1] == 0:
        return np.zeros(x.shape[:-1], dtype=np.int64)
    invalid_from_end = ~np.isfinite(x[..., ::-1])
    first_bad = np.argmax(invalid_from_end, axis=-1)
    any_bad = invalid_from_end.any(axis=-1)
    out: IntArray = np.where(any_bad, first_bad, x.shape[-1]).astype(np.int64)
    return out


def first_valid_index(x: FloatArray) -> IntArray:
    """Column of each row's first valid value, -1 for a row without any."""
    if x.shape[-1] == 0:
        return np.full(x.shape[:-1], -1, dtype=np.int64)
    finite = np.isfinite(x)
    idx = np.argmax(finite, axis=-1)
    return np.where(finite.any(axis=-1), idx, -1).astype(np.int64)


def last_column(x: FloatArray, lag: int = 0) -> FloatArray:
    """Values ``lag`` columns before the newest (NaN when the row is too short)."""
    if x.shape[-1] <= lag:
        return np.full(x.shape[:-1], np.nan)
    return np.array(x[..., -1 - lag], dtype=np.float64)


def nanmedian_mad(x: FloatArray) -> tuple[FloatArray, FloatArray, IntArray]:
    """Return the median, the MAD and the count of valid values along the last axis.

    Sort-based so it stays vectorised for any length (NaN sorts last); rows without a valid
    value give NaN median and MAD.
    """
    n = np.isfinite(x).sum(axis=-1)
    median = _sorted_median(np.sort(x, axis=-1), n)
    # one scratch array, sorted in place: fresh temporaries cost more than the sort
    dev = np.subtract(x, median[..., None])
    np.abs(dev, out=dev)
    dev.sort(axis=-1)
    mad = _sorted_median(dev, n)
    return median, mad, n.astype(np.int64)


def _sorted_median(s: FloatArray, n: npt.NDArray[np.intp]) -> FloatArray:
    lo = np.clip((n - 1) // 2, 0, None)[..., None]
    hi = np.clip(n // 2, 0, None)[..., None]
    a = np.take_along_axis(s, lo, axis=-1)[..., 0]
    b = np.take_along_axis(s, hi, axis=-1)[..., 0]
    return np.where(n > 0, 0.5 * (a + b), np.nan)


def cross_section_rank(x: FloatArray) -> FloatArray:
    """Percentile rank in [0, 1] of each value among the valid ones (ties share the mean rank).

    NaN stays NaN; a single valid value ranks 0.5.
    """
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x)
    values = x[ok]
    n = values.size
    if n == 0:
        return out
    if n == 1:
        out[ok] = 0.5
        return out
    s = np.sort(values)
    lo = np.searchsorted(s, values, side="left")
    hi = np.searchsorted(s, values, side="right")
    out[ok] = (lo + hi - 1) / (2.0 * (n - 1))
    return out


def own_percentile(history: FloatArray, current: FloatArray) -> FloatArray:
    """Share of each row's valid history at or below ``current`` (NaN without history)."""
    finite = np.isfinite(history)
    count = finite.sum(axis=-1)
    with np.errstate(invalid="ignore"):
        below = ((history <= current[..., None]) & finite).sum(axis=-1)
        pct = below / np.where(count > 0, count, 1)
    return np.where((count > 0) & np.isfinite(current), pct, np.nan)
