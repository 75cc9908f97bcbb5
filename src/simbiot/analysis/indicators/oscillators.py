"""Bounded oscillators: RSI, slow stochastic, CCI, MFI (TA-Lib definitions)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators import _k_momentum as k
from simbiot.analysis.indicators._inputs import FloatArray, as_rows, check_period, restore

__all__ = ["cci", "mfi", "rsi", "stoch"]


def rsi(close: npt.ArrayLike, period: int = 14) -> FloatArray:
    """Return Wilder's RSI in [0, 100]; 0 where prices did not move at all (as TA-Lib)."""
    period = check_period("period", period)
    (arr,), one_d = as_rows(close)
    out = np.empty_like(arr)
    k.rsi_2d(arr, period, out)
    return restore(out, one_d)


def stoch(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    fastk: int = 14,
    slowk: int = 3,
    slowd: int = 3,
) -> tuple[FloatArray, FloatArray]:
    """Return slow (%K, %D) with SMA smoothing; %K is 0 over a zero range (as TA-Lib)."""
    fastk = check_period("fastk", fastk, minimum=1)
    slowk = check_period("slowk", slowk, minimum=1)
    slowd = check_period("slowd", slowd, minimum=1)
    (h, lo, c), one_d = as_rows(high, low, close)
    kk, dd = np.empty_like(c), np.empty_like(c)
    k.stoch_2d(h, lo, c, fastk, slowk, slowd, kk, dd)
    return restore(kk, one_d), restore(dd, one_d)


def cci(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 20
) -> FloatArray:
    """Return the Commodity Channel Index; 0 where the mean deviation is 0."""
    period = check_period("period", period)
    (h, lo, c), one_d = as_rows(high, low, close)
    out = np.empty_like(c)
    k.cci_2d(h, lo, c, period, out)
    return restore(out, one_d)


def mfi(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    period: int = 14,
) -> FloatArray:
    """Return the Money Flow Index in [0, 100]; 0 where no money flowed."""
    period = check_period("period", period)
    (h, lo, c, v), one_d = as_rows(high, low, close, volume)
    out = np.empty_like(c)
    k.mfi_2d(h, lo, c, v, period, out)
    return restore(out, one_d)
