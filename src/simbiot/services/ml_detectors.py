"""Champion models as X-ray detectors: ML trend (A4) and potential (A7).

Both read the cycle's shared prediction batch (one feature computation and one batch per
model, whichever stage asks first) and decline while their model has no champion, so the
rule-based trend detector stands in and the potential column stays neutral.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simbiot.analysis.detectors import (
    Detector,
    DetectorResult,
    FeatureView,
    PatternDetector,
    TrendDetector,
)
from simbiot.analysis.detectors.fallback import FallbackDetector
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.config.sections import AnalysisSettings, LearningSettings
from simbiot.domain.frame import MarketFrame
from simbiot.learning.plugins import (
    POTENTIAL_LABELS,
    TREND_LABELS,
    potential_scores,
    potential_verdict,
    probability_verdict,
)
from simbiot.services.ml_models import CyclePredictor

__all__ = ["ChampionPotentialDetector", "ChampionTrendDetector", "pipeline_detectors"]


def _aligned(frame: MarketFrame, symbols: tuple[str, ...], values: np.ndarray) -> np.ndarray:
    if symbols != frame.symbols:  # the batch is of this frame: same symbols, same order
        raise ValueError("prediction batch does not match the frame's symbols")
    return values


class ChampionTrendDetector:
    """The ``trend`` champion's probability as the trend verdict (A4)."""

    name = "trend"
    labels = TREND_LABELS

    def __init__(self, predictor: CyclePredictor, band: float, model: str = "trend") -> None:
        self._predictor = predictor
        self._band = band
        self._model = model

    def detect_or_none(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult | None:
        """Verdict from the champion's batch; None without a champion."""
        batch = self._predictor.batch(frame)
        preds = batch.get(self._model) if batch is not None else None
        if preds is None:
            return None
        p = _aligned(frame, preds.symbols, np.array(preds.values, dtype=np.float64))
        return probability_verdict(self.name, p, self._band)


class ChampionPotentialDetector:
    """Expected return (``potential``), weighted by the trend win probability when there
    is one, ranked across the market (A7)."""

    name = "potential"
    labels = POTENTIAL_LABELS

    def __init__(
        self,
        predictor: CyclePredictor,
        top_share: float,
        model: str = "potential",
        probability_model: str = "trend",
    ) -> None:
        self._predictor = predictor
        self._top = top_share
        self._model = model
        self._prob = probability_model

    def detect_or_none(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult | None:
        """Verdict from the champion's batch; None without a potential champion."""
        batch = self._predictor.batch(frame)
        if batch is None:
            return None
        expected = batch.get(self._model)
        if expected is None:
            return None
        ranks = potential_scores(expected, batch.get(self._prob))
        return potential_verdict(self.name, _aligned(frame, expected.symbols, ranks), self._top)


def pipeline_detectors(
    analysis: AnalysisSettings, learning: LearningSettings, predictor: CyclePredictor
) -> Sequence[Detector]:
    """The X-ray's detectors with the champions plugged in (rule-based fallbacks kept)."""
    return (
        FallbackDetector(
            ChampionTrendDetector(predictor, learning.detector_band), TrendDetector(analysis)
        ),
        PatternDetector(analysis),
        FallbackDetector(ChampionPotentialDetector(predictor, learning.potential_top_share)),
    )
