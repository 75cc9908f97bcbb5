"""Market breadth: how many symbols take part in a move, at each candle."""

from __future__ import annotations

import numpy as np

from simbiot.analysis.features.feature_set import Breadth
from simbiot.analysis.indicators._inputs import FloatArray

__all__ = ["market_breadth"]


def market_breadth(close: FloatArray, trend: FloatArray, ret1: FloatArray) -> Breadth:
    """Return the share of symbols above their trend EMA and the share that rose.

    Each candle counts only symbols with a defined EMA and one-bar return there.
    """
    ok = np.isfinite(close) & np.isfinite(trend) & np.isfinite(ret1)
    counted = ok.sum(axis=0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        above = np.where(ok, close > trend, False).sum(axis=0) / counted
        advancing = np.where(ok, ret1 > 0.0, False).sum(axis=0) / counted
    none = counted == 0
    above[none] = np.nan
    advancing[none] = np.nan
    return Breadth(above_ema=above, advancing=advancing, counted=counted)
