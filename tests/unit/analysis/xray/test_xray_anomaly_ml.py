"""Isolation-forest anomaly detector: joint anomalies, protocol, fallbacks, faults."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.xray.anomaly import AnomalyDetector, MetricPanel
from simbiot.analysis.xray.anomaly_ml import IsolationForestAnomalyDetector
from simbiot.analysis.xray.engine import XRayEngine
from simbiot.analysis.xray.synthetic import random_market
from simbiot.config.sections import AnalysisSettings


def _correlated(n_sym: int = 40, bars: int = 201, seed: int = 0) -> MetricPanel:
    """Two metrics that always move together (|return| drives the range)."""
    rng = np.random.default_rng(seed)
    ret = rng.normal(0, 1, size=(n_sym, bars))
    rng_metric = np.abs(ret) + 0.1 * rng.normal(0, 1, size=(n_sym, bars))
    values = np.stack([ret, rng_metric], axis=1)
    return MetricPanel(tuple(f"S{i}" for i in range(n_sym)), ("ret", "range"), values)


def test_is_an_anomaly_detector() -> None:
    assert isinstance(IsolationForestAnomalyDetector(), AnomalyDetector)


def test_joint_anomaly_is_flagged_that_marginals_miss() -> None:
    panel = _correlated()
    current = panel.current()
    current[:, 0] = 0.0
    current[:, 1] = 0.1
    current[5] = [3.0, 0.0]  # a 3-sigma move with no range: each value is ordinary alone
    ml = IsolationForestAnomalyDetector(z_threshold=4.0)
    ml.fit(panel.history())
    res = ml.score(panel.symbols, current)
    assert res.flags[5, 0]
    assert res.flags[:, 0].sum() <= 2
    assert res.z[5, 0] == res.score[5]


def test_too_little_history_flags_nothing() -> None:
    panel = MetricPanel(("A",), ("x",), np.random.default_rng(1).normal(size=(1, 1, 50)))
    ml = IsolationForestAnomalyDetector()
    ml.fit(panel.history())
    assert not ml.fitted
    res = ml.score(("A",), np.array([[100.0]]))
    assert not res.flags.any()


def test_score_before_fit_and_bad_parameters() -> None:
    with pytest.raises(RuntimeError):
        IsolationForestAnomalyDetector().score(("A",), np.zeros((1, 1)))
    with pytest.raises(ValueError):
        IsolationForestAnomalyDetector(max_rows=10)


def test_plugs_into_the_engine() -> None:
    frame = random_market(30, 260, seed=8)
    volume = frame.volume.copy()
    volume[9, -1] *= 1000
    frame = type(frame)(frame.exchange, frame.timeframe, frame.symbols, frame.timestamp,
                        frame.open, frame.high, frame.low, frame.close, volume)  # fmt: skip
    engine = XRayEngine(
        AnalysisSettings(liquidity_quantile=0.0),
        anomaly=IsolationForestAnomalyDetector(max_rows=5_000),
    )
    result = engine.analyse(frame)
    assert result.anomaly is not None
    row = result.frame.symbols.index(frame.symbols[9])
    assert result.anomaly.flagged(row) == ("joint",)
