from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.detectors.base import Detector
from simbiot.analysis.indicators import compute_indicators
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetSpec, feature_block
from simbiot.learning.inference import Predictions
from simbiot.learning.plugins import ModelBlacklistScorer, ModelDetector, potential_scores
from simbiot.learning.training import LoadedModel, TrainedModel
from simbiot.signals.blacklist import BlacklistScorer


def _preds(values: list[float]) -> Predictions:
    syms = tuple(f"S{i}" for i in range(len(values)))
    return Predictions("m", 1, syms, 0, np.array(values), "d")


def test_model_detector_follows_the_detector_protocol(
    market: MarketFrame, trained: tuple[DatasetSpec, TrainedModel]
) -> None:
    spec, m = trained
    det = ModelDetector("ml_trend", LoadedModel(m.kind, m.names, m.booster), band=0.55)
    assert isinstance(det, Detector)
    bank = IndicatorBank(market, compute_indicators(market))
    res = det.detect(market, bank, feature_block(market, spec))
    assert res.score.shape == (market.shape[0],)
    assert (np.abs(res.score) <= 1).all()
    up = res.label == 1
    assert (res.score[up] >= 0.1 - 1e-12).all()
    with pytest.raises(ValueError):
        det.detect(market, bank, None)
    with pytest.raises(ValueError):
        ModelDetector("x", LoadedModel(m.kind, m.names, m.booster), band=0.4)


def test_potential_ranks_and_weights() -> None:
    r = potential_scores(_preds([0.01, -0.02, np.nan, 0.03]))
    np.testing.assert_allclose(r[[0, 1, 3]], [2 / 3, 1 / 3, 1.0])
    assert np.isnan(r[2])
    w = potential_scores(_preds([0.02, 0.01]), _preds([0.1, 0.9]))
    assert w[1] > w[0]
    with pytest.raises(ValueError):
        potential_scores(_preds([0.1]), _preds([0.1, 0.2]))


def test_blacklist_scorer_protocol() -> None:
    s = ModelBlacklistScorer(_preds([0.2, np.nan]))
    assert isinstance(s, BlacklistScorer)
    assert s.score(["S0", "S1", "X"]) == pytest.approx({"S0": 0.8})
