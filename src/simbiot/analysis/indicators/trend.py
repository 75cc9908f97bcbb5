"""Trend strength and channels: +DI, -DI, ADX, Donchian channel."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators import _k_range as k
from simbiot.analysis.indicators._inputs import FloatArray, as_rows, check_period, restore

__all__ = ["adx", "donchian", "minus_di", "plus_di"]


def _dmi(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int
) -> tuple[tuple[FloatArray, FloatArray, FloatArray], bool]:
    period = check_period("period", period)
    (h, lo, c), one_d = as_rows(high, low, close)
    plus, minus, strength = np.empty_like(c), np.empty_like(c), np.empty_like(c)
    k.dmi_2d(h, lo, c, period, plus, minus, strength)
    return (plus, minus, strength), one_d


def plus_di(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Return the plus directional indicator (TA-Lib PLUS_DI)."""
    (plus, _, _), one_d = _dmi(high, low, close, period)
    return restore(plus, one_d)


def minus_di(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Return the minus directional indicator (TA-Lib MINUS_DI)."""
    (_, minus, _), one_d = _dmi(high, low, close, period)
    return restore(minus, one_d)


def adx(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Return the average directional index (TA-Lib ADX, first value at bar 2·period-1)."""
    (_, _, strength), one_d = _dmi(high, low, close, period)
    return restore(strength, one_d)


def donchian(
    high: npt.ArrayLike, low: npt.ArrayLike, period: int = 20
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return (upper, lower, middle): highest high, lowest low and their midpoint."""
    period = check_period("period", period, minimum=1)
    (h, lo), one_d = as_rows(high, low)
    upper, lower = np.empty_like(h), np.empty_like(h)
    k.extremes_2d(h, lo, period, upper, lower)
    middle = (upper + lower) * 0.5
    return restore(upper, one_d), restore(lower, one_d), restore(middle, one_d)
