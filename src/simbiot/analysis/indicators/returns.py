"""n-bar returns: percentage change (TA-Lib ROCP) and log returns."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators import _k_momentum as k
from simbiot.analysis.indicators._inputs import FloatArray, as_rows, check_period, restore

__all__ = ["log_returns", "pct_change"]


def pct_change(close: npt.ArrayLike, n: int = 1) -> FloatArray:
    """Return close[t] / close[t-n] - 1 (TA-Lib ROCP; 0 where the base price is 0)."""
    n = check_period("n", n, minimum=1)
    (arr,), one_d = as_rows(close)
    out = np.empty_like(arr)
    k.change_2d(arr, n, False, out)
    return restore(out, one_d)


def log_returns(close: npt.ArrayLike, n: int = 1) -> FloatArray:
    """Return ln(close[t] / close[t-n]); NaN where a price is not positive."""
    n = check_period("n", n, minimum=1)
    (arr,), one_d = as_rows(close)
    out = np.empty_like(arr)
    k.change_2d(arr, n, True, out)
    return restore(out, one_d)
