"""The X-ray's ML anomaly detector: robust per metric, plus the forest's joint score."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.xray.anomaly import AnomalyDetector, MetricPanel, RobustAnomalyDetector
from simbiot.analysis.xray.anomaly_ml import IsolationForestAnomalyDetector
from simbiot.config.sections import AnalysisSettings
from simbiot.services.ml_anomaly import JointAnomalyDetector, joint_anomaly_detector

SYMBOLS = tuple(f"S{i}" for i in range(40))
NAMES = ("ret", "range", "volume")


class CountingForest(IsolationForestAnomalyDetector):
    fits = 0

    def fit(self, history: MetricPanel) -> None:
        self.fits += 1
        super().fit(history)


def _panel(bars: int, seed: int = 0) -> MetricPanel:
    rng = np.random.default_rng(seed)
    return MetricPanel(SYMBOLS, NAMES, rng.normal(size=(len(SYMBOLS), len(NAMES), bars)))


def test_robust_alone_until_a_forest_can_be_trained() -> None:
    det = JointAnomalyDetector(RobustAnomalyDetector(6.0, 2), CountingForest(), 5)
    assert isinstance(det, AnomalyDetector)
    det.fit(_panel(2))  # 80 rows: too few for a forest
    assert not det.forest_fitted
    current = np.zeros((len(SYMBOLS), len(NAMES)))
    assert det.score(SYMBOLS, current).names == NAMES


def test_joint_column_and_refit_cadence() -> None:
    forest = CountingForest(z_threshold=6.0, n_estimators=10)
    det = JointAnomalyDetector(RobustAnomalyDetector(6.0, 2), forest, 3)
    for k in range(7):
        det.fit(_panel(50, seed=k))
    assert forest.fits == 3  # cycles 1, 4 and 7
    current = np.zeros((len(SYMBOLS), len(NAMES)))
    current[0] = [40.0, -40.0, 40.0]  # every metric far out, and jointly so
    result = det.score(SYMBOLS, current)
    assert result.names == (*NAMES, "joint")
    assert result.z.shape == (len(SYMBOLS), 4)
    assert result.flags[0].all()
    assert result.anomalous.sum() == 1
    with pytest.raises(ValueError):
        JointAnomalyDetector(RobustAnomalyDetector(6.0, 2), forest, 0)


def test_built_with_the_xray_threshold() -> None:
    det = joint_anomaly_detector(AnalysisSettings(), 24)
    assert det.name == "robust+isolation_forest"
    assert not det.forest_fitted
