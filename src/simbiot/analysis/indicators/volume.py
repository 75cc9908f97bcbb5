"""Volume-based indicators: OBV, rolling VWAP, volume z-score."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators import _k_volume as k
from simbiot.analysis.indicators._inputs import FloatArray, as_rows, check_period, restore

__all__ = ["obv", "volume_zscore", "vwap"]


def obv(close: npt.ArrayLike, volume: npt.ArrayLike) -> FloatArray:
    """Return on-balance volume (TA-Lib OBV); it restarts from the first volume after a gap."""
    (c, v), one_d = as_rows(close, volume)
    out = np.empty_like(c)
    k.obv_2d(c, v, out)
    return restore(out, one_d)


def vwap(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    period: int = 20,
) -> FloatArray:
    """Return the rolling typical-price VWAP over ``period`` bars.

    A window without volume has no weights; its plain mean typical price is returned.
    """
    period = check_period("period", period, minimum=1)
    (h, lo, c, v), one_d = as_rows(high, low, close, volume)
    out = np.empty_like(c)
    k.vwap_2d(h, lo, c, v, period, out)
    return restore(out, one_d)


def volume_zscore(volume: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return (volume - rolling mean) / rolling population deviation, 0 on flat windows."""
    period = check_period("period", period)
    (v,), one_d = as_rows(volume)
    out = np.empty_like(v)
    k.zscore_2d(v, period, out)
    return restore(out, one_d)
