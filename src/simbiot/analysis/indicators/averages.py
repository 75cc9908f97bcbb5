"""Moving averages and MACD over (symbols, time) arrays; 1-D input gives 1-D output."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators import _k_averages as k
from simbiot.analysis.indicators._inputs import FloatArray, as_rows, check_period, restore

__all__ = ["ema", "macd", "sma"]


def sma(x: npt.ArrayLike, period: int) -> FloatArray:
    """Return the simple moving average (TA-Lib SMA), NaN during warm-up and gaps."""
    period = check_period("period", period)
    (arr,), one_d = as_rows(x)
    out = np.empty_like(arr)
    k.sma_2d(arr, period, out)
    return restore(out, one_d)


def ema(x: npt.ArrayLike, period: int) -> FloatArray:
    """Return the exponential moving average seeded by an SMA (TA-Lib EMA)."""
    period = check_period("period", period)
    (arr,), one_d = as_rows(x)
    out = np.empty_like(arr)
    k.ema_2d(arr, period, out)
    return restore(out, one_d)


def macd(
    close: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return (macd, signal, histogram) exactly as TA-Lib MACD (first value at slow+signal-2)."""
    fast = check_period("fast", fast)
    slow = check_period("slow", slow)
    signal = check_period("signal", signal, minimum=1)
    (arr,), one_d = as_rows(close)
    m, g, h = np.empty_like(arr), np.empty_like(arr), np.empty_like(arr)
    k.macd_2d(arr, fast, slow, signal, m, g, h)
    return restore(m, one_d), restore(g, one_d), restore(h, one_d)
