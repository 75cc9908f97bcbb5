"""Rule-based trend detector (A4): vol-scaled EMA slope confirmed by ADX."""

from __future__ import annotations

import math

import numpy as np

from simbiot.analysis.detectors.base import DetectorResult, FeatureView
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.analysis.xray.numeric import last_column
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.frame import MarketFrame

__all__ = ["TrendDetector"]

LABELS = ("flat", "up", "down")


class TrendDetector:
    """Up when the EMA slope exceeds ``trend_k`` sigma and ADX shows direction; down likewise.

    The score is tanh(slope_z / trend_k) scaled by how directional the market is
    (ADX / (2 × adx_trend), capped at 1), so it is 0 for unknown or flat symbols.
    """

    name = "trend"
    needs_features = False

    def __init__(self, settings: AnalysisSettings) -> None:
        self._s = settings

    def detect(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult:
        """Judge the trend of every symbol at its newest candle."""
        s = self._s
        bars = s.state_slope_bars
        with np.errstate(all="ignore"):
            ema = ind.ema(s.token_ema_period)
            slope = np.log(last_column(ema)) - np.log(last_column(ema, bars))
            sigma = last_column(ind.sigma(s.vol_bars))
            slope_z = np.where(slope == 0, 0.0, slope / (sigma * math.sqrt(bars)))
            adx = last_column(ind.adx(s.adx_period))
            slope_z = np.where(np.isfinite(slope_z), slope_z, 0.0)
            adx = np.where(np.isfinite(adx), adx, 0.0)
        directional = adx >= s.adx_trend
        up = directional & (slope_z >= s.trend_k)
        down = directional & (slope_z <= -s.trend_k)
        label = np.where(up, 1, np.where(down, 2, 0)).astype(np.int64)
        weight = (
            np.minimum(1.0, adx / (2.0 * s.adx_trend)) if s.adx_trend > 0 else np.ones_like(adx)
        )
        score = np.tanh(slope_z / s.trend_k) * weight
        return DetectorResult(self.name, LABELS, label, score, {"uptrend": up, "downtrend": down})
