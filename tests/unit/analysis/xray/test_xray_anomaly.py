"""Robust anomaly detector: learned normal ranges, injected spikes, fallbacks, faults."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.analysis.xray.anomaly import (
    AnomalyDetector,
    MetricPanel,
    RobustAnomalyDetector,
    bar_panel,
)
from simbiot.analysis.xray.synthetic import random_market
from simbiot.domain.frame import MarketFrame


def _panel(values: np.ndarray, names: tuple[str, ...] = ("a", "b")) -> MetricPanel:
    return MetricPanel(tuple(f"S{i}" for i in range(values.shape[0])), names, values)


def test_is_an_anomaly_detector() -> None:
    assert isinstance(RobustAnomalyDetector(), AnomalyDetector)


def test_injected_spike_is_flagged_only_where_injected() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(0.0, 1.0, size=(50, 2, 201))
    values[7, 1, -1] = 12.0  # a 12-sigma spike in metric "b" of symbol 7
    panel = _panel(values)
    det = RobustAnomalyDetector(z_threshold=6.0)
    det.fit(panel.history())
    res = det.score(panel.symbols, panel.current())
    assert res.flags[7, 1]
    assert res.flagged(7) == ("b",)
    assert res.anomalous.sum() == 1
    assert res.z[7, 1] == pytest.approx(12.0, rel=0.25)
    assert res.score[7] == pytest.approx(abs(res.z[7, 1]))


def test_spike_is_judged_against_each_symbols_own_range() -> None:
    rng = np.random.default_rng(1)
    calm = rng.normal(0, 0.01, size=(1, 1, 201))
    wild = rng.normal(0, 1.0, size=(1, 1, 201))
    values = np.concatenate([calm, wild])
    values[:, 0, -1] = 0.5  # the same value: huge for the calm symbol, normal for the wild
    panel = _panel(values, ("x",))
    det = RobustAnomalyDetector()
    det.fit(panel.history())
    res = det.score(panel.symbols, panel.current())
    assert res.flags[:, 0].tolist() == [True, False]


def test_short_history_and_unknown_symbols_use_market_scale() -> None:
    rng = np.random.default_rng(2)
    values = rng.normal(0, 1.0, size=(20, 1, 101))
    values[3, 0, :-5] = np.nan  # a new listing: 4 bars of history
    panel = _panel(values, ("x",))
    det = RobustAnomalyDetector(min_history=30)
    det.fit(panel.history())
    current = np.zeros((2, 1))
    current[:, 0] = [9.0, 9.0]
    res = det.score(("S3", "NEVER/SEEN"), current)
    assert res.flags[:, 0].all()
    assert np.all(np.abs(res.z[:, 0]) < 20)


def test_constant_metric_borrows_scale_and_stays_finite() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(0, 1.0, size=(10, 1, 101))
    values[0, 0, :] = 5.0
    panel = _panel(values, ("x",))
    det = RobustAnomalyDetector()
    det.fit(panel.history())
    res = det.score(panel.symbols, panel.current())
    assert res.z[0, 0] == 0.0
    assert np.isfinite(res.z).all()


def test_all_nan_history_gives_no_flags() -> None:
    panel = _panel(np.full((3, 2, 50), np.nan))
    det = RobustAnomalyDetector()
    det.fit(panel.history())
    res = det.score(panel.symbols, np.ones((3, 2)))
    assert not res.flags.any()
    assert res.score.tolist() == [0.0, 0.0, 0.0]


def test_score_before_fit_raises() -> None:
    with pytest.raises(RuntimeError):
        RobustAnomalyDetector().score(("A",), np.zeros((1, 3)))


def test_score_with_wrong_shape_raises() -> None:
    det = RobustAnomalyDetector()
    det.fit(_panel(np.zeros((2, 2, 40))))
    with pytest.raises(ValueError):
        det.score(("S0", "S1"), np.zeros((2, 3)))


@pytest.mark.parametrize(
    "kwargs", [{"z_threshold": 0.0}, {"min_history": 1}, {"z_threshold": 5.0, "z_cap": 4.0}]
)
def test_bad_parameters_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RobustAnomalyDetector(**kwargs)  # type: ignore[arg-type]


def test_panel_shape_is_checked() -> None:
    with pytest.raises(ValueError):
        MetricPanel(("A",), ("x",), np.zeros((1, 5)))
    with pytest.raises(ValueError):
        MetricPanel(("A",), ("x", "y"), np.zeros((1, 1, 5)))


def test_bar_panel_flags_a_volume_spike_in_a_real_looking_market() -> None:
    frame = random_market(40, 260, seed=5)
    volume = frame.volume.copy()
    volume[10, -1] *= 500.0
    spiked = type(frame)(
        frame.exchange,
        frame.timeframe,
        frame.symbols,
        frame.timestamp,
        frame.open,
        frame.high,
        frame.low,
        frame.close,
        volume,
    )
    panel = bar_panel(spiked, 200)
    assert panel.values.shape == (40, 3, 201)
    det = RobustAnomalyDetector()
    det.fit(panel.history())
    res = det.score(panel.symbols, panel.current())
    assert "log_quote_volume" in res.flagged(10)


@settings(max_examples=40, deadline=None)
@given(
    scale=st.floats(1e-6, 1e6),
    shift=st.floats(-1e3, 1e3),
    seed=st.integers(0, 10_000),
)
def test_z_is_invariant_to_affine_rescaling(scale: float, shift: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 1, size=(4, 1, 60))
    a, b = RobustAnomalyDetector(), RobustAnomalyDetector()
    p1 = _panel(values, ("x",))
    p2 = _panel(values * scale + shift, ("x",))
    a.fit(p1.history())
    b.fit(p2.history())
    z1 = a.score(p1.symbols, p1.current()).z
    z2 = b.score(p2.symbols, p2.current()).z
    np.testing.assert_allclose(z1, z2, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("workers", [2, 3, 64])
@pytest.mark.usefixtures("small_parts")
def test_threads_give_the_same_panel_and_verdicts(workers: int) -> None:
    frame = random_market(37, 260, seed=4)
    close = frame.close.copy()
    close[5, -30] = -1.0  # a bad price: no value there, whatever the threads
    frame = MarketFrame(
        frame.exchange, frame.timeframe, frame.symbols, frame.timestamp,
        frame.open, frame.high, frame.low, close, frame.volume,
    )  # fmt: skip
    one = bar_panel(frame, 200)
    many = bar_panel(frame, 200, workers)
    np.testing.assert_array_equal(many.values, one.values)
    assert np.isnan(one.values[5, 0, -30])
    serial, parallel = RobustAnomalyDetector(), RobustAnomalyDetector(workers=workers)
    serial.fit(one.history())
    parallel.fit(many.history())
    a = serial.score(one.symbols, one.current())
    b = parallel.score(many.symbols, many.current())
    np.testing.assert_array_equal(a.z, b.z)


def test_bad_worker_count_is_refused() -> None:
    with pytest.raises(ValueError, match="workers"):
        RobustAnomalyDetector(workers=0)
    with pytest.raises(ValueError, match="workers"):
        bar_panel(random_market(3, 50), 20, 0)
