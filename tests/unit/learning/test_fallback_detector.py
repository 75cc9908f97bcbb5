"""The plug-in point of learned detectors: model verdict, else the rule's, else neutral."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.detectors import Detector, DetectorResult, FeatureView, TrendDetector
from simbiot.analysis.detectors.fallback import FallbackDetector
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.frame import MarketFrame
from simbiot.learning.plugins import potential_verdict, probability_verdict


class Opinion:
    """Says up for every symbol when ``ready``, declines otherwise."""

    labels = ("neutral", "up", "down")

    def __init__(self, ready: bool, name: str = "trend") -> None:
        self.ready = ready
        self.name = name

    def detect_or_none(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult | None:
        if not self.ready:
            return None
        return probability_verdict(self.name, np.full(frame.shape[0], 0.9), 0.6)


def test_model_first_then_rule_then_neutral(market: MarketFrame) -> None:
    bank = IndicatorBank(market)
    rule = TrendDetector(AnalysisSettings())
    with_model = FallbackDetector(Opinion(True), rule)
    assert isinstance(with_model, Detector)
    assert not with_model.needs_features
    assert (with_model.detect(market, bank, None).label == 1).all()
    declined = FallbackDetector(Opinion(False), rule).detect(market, bank, None)
    expected = rule.detect(market, bank, None)
    np.testing.assert_array_equal(declined.label, expected.label)
    neutral = FallbackDetector(Opinion(False, "potential")).detect(market, bank, None)
    assert neutral.name == "potential"
    assert not neutral.score.any()
    assert not neutral.label.any()
    with pytest.raises(ValueError, match="share the name"):
        FallbackDetector(Opinion(True, "potential"), rule)


def test_verdicts_of_probabilities_and_ranks() -> None:
    v = probability_verdict("t", np.array([0.9, 0.5, 0.1, np.nan]), 0.6)
    assert v.label.tolist() == [1, 0, 2, 0]
    np.testing.assert_allclose(v.score, [0.8, 0.0, -0.8, 0.0])
    assert v.flags["confident"].tolist() == [True, False, True, False]
    r = potential_verdict("p", np.array([0.95, 0.5, 0.05, np.nan]), 0.1)
    assert r.label.tolist() == [1, 0, 2, 0]
    assert r.flags["high_potential"].tolist() == [True, False, False, False]
    with pytest.raises(ValueError):
        potential_verdict("p", np.array([0.5]), 0.0)
