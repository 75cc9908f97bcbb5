"""Relative strength: a symbol's return against a benchmark over the same horizon."""

from __future__ import annotations

import warnings

import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray

__all__ = ["benchmark_returns", "relative_returns"]


def benchmark_returns(returns: FloatArray, reference: int | None) -> FloatArray:
    """Return the benchmark's return at each candle (1-D over time).

    The benchmark is row ``reference`` (e.g. BTC) or, with None, the cross-sectional
    median of all symbols at that candle. Where the reference row has no return (not yet
    listed, a gap, delisted) the median stands in, so one missing symbol never blanks
    every other symbol's relative strength. Raise IndexError for a row out of range.
    """
    if reference is not None and not -returns.shape[0] <= reference < returns.shape[0]:
        raise IndexError(f"reference row {reference} out of range 0..{returns.shape[0] - 1}")
    if reference is None:
        return _median(returns)
    out: FloatArray = np.array(returns[reference], dtype=np.float64)
    missing = ~np.isfinite(out)
    if missing.any():  # the median is the costly part: only where the reference is absent
        out[missing] = _median(returns[:, missing])
    return out


def _median(returns: FloatArray) -> FloatArray:
    """Cross-sectional median of each candle, ignoring NaN (NaN where no symbol has one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a candle no symbol has gives NaN
        med: FloatArray = np.nanmedian(np.ascontiguousarray(returns.T), axis=1)
    return med


def relative_returns(returns: FloatArray, reference: int | None) -> FloatArray:
    """Return (symbols, time) ``returns`` minus the benchmark's return at each candle."""
    out: FloatArray = returns - benchmark_returns(returns, reference)[np.newaxis, :]
    return out
