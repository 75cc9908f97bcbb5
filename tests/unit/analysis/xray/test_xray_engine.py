"""The whole X-ray pass: bad symbols isolated, stages timed, snapshot consistent."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.analysis.detectors import DetectorResult, PatternDetector, TrendDetector
from simbiot.analysis.detectors.base import FeatureView
from simbiot.analysis.indicators import compute_layers
from simbiot.analysis.xray.anomaly import MetricPanel, RobustAnomalyDetector
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.analysis.xray.engine import (
    FUSED_INDICATORS,
    XRAY_INDICATORS,
    XRayEngine,
    sanitize_frame,
)
from simbiot.analysis.xray.synthetic import frame_from_closes, random_market
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.frame import MarketFrame

STAGES = {"filter", "state", "indicators", "metrics", "anomaly", "detectors", "scoring",
          "snapshot", "total"}  # fmt: skip


def _replace(frame: MarketFrame, **arrays: np.ndarray) -> MarketFrame:
    cols = {k: getattr(frame, k) for k in ("open", "high", "low", "close", "volume")} | arrays
    return MarketFrame(frame.exchange, frame.timeframe, frame.symbols, frame.timestamp, **cols)


def _bad_market() -> MarketFrame:
    frame = random_market(60, 300, seed=11, late_listing_share=0.0)
    o, h, lo, c, v = (
        a.copy() for a in (frame.open, frame.high, frame.low, frame.close, frame.volume)
    )
    for a in (o, h, lo, c, v):
        a[10] = np.nan  # all NaN
    for a in (o, h, lo, c):
        a[11] = 5.0  # constant price
    for a in (o, h, lo, c, v):
        a[12, 100:180] = np.nan  # long gap
    c[13, 50] = -1.0  # negative price
    h[14, 60] = np.inf  # infinite high
    v[15, -1] = v[15, -200:-1].mean() * 300  # a volume spike on a healthy symbol
    return _replace(frame, open=o, high=h, low=lo, close=c, volume=v)


def test_bad_symbols_never_break_the_others() -> None:
    frame = _bad_market()
    settings = AnalysisSettings(liquidity_quantile=0.0)
    result = XRayEngine(settings).analyse(frame)
    snap = result.snapshot
    assert snap.scanned == 60
    assert result.filter.rejected["T00007/USDT"] == ("no_data",)
    assert result.filter.rejected["T00008/USDT"] == ("no_movement",)
    assert "missing_candles" in result.filter.rejected["T00009/USDT"]
    assert snap.filtered == len(result.filter.kept) >= 50
    assert len(snap.symbols) == settings.top
    assert result.scores is not None
    assert np.isfinite(result.scores.score).all()
    assert [r.rank for r in snap.symbols] == list(range(1, settings.top + 1))
    assert all(a.score >= b.score for a, b in zip(snap.symbols, snap.symbols[1:], strict=False))
    assert set(snap.timings) == STAGES
    assert snap.market_state.reference == "BTC/USDT"
    orjson.dumps(snap.to_json())


def test_injected_volume_spike_is_flagged() -> None:
    result = XRayEngine(AnalysisSettings(liquidity_quantile=0.0)).analyse(_bad_market())
    assert result.metrics is not None
    assert result.anomaly is not None
    row = result.metrics.symbols.index("T00012/USDT")
    assert result.scores is not None
    assert "volume_spike" in result.scores.flags[row]
    assert "anomaly" in result.scores.flags[row]
    assert "log_quote_volume" in result.anomaly.flagged(row)


def test_run_is_deterministic() -> None:
    frame = random_market(40, 250, seed=3)
    engine = XRayEngine(AnalysisSettings())
    a = engine.run(frame, now_ms=1).to_json()
    b = engine.run(frame, now_ms=1).to_json()
    a.pop("timings")
    b.pop("timings")
    assert a == b


def test_quarantine_is_reported_and_excluded() -> None:
    frame = random_market(30, 250, seed=4)
    snap = XRayEngine(AnalysisSettings()).run(frame, quarantined={"BTC/USDT", "T00001/USDT"})
    assert snap.quarantined == ("BTC/USDT", "T00001/USDT")
    assert snap.market_state.reference == "ETH/USDT"
    assert all(r.symbol not in snap.quarantined for r in snap.symbols)
    assert snap.rejections["quarantined"] == 2


def test_empty_frame_gives_default_state_and_no_rows() -> None:
    frame = frame_from_closes(np.empty((0, 0)), ())
    snap = XRayEngine(AnalysisSettings()).run(frame)
    assert snap.market_state.is_default
    assert snap.symbols == ()
    assert snap.candle_ms is None
    assert snap.to_json()["generated_at_ms"] == 0


def test_default_generated_at_is_the_newest_candle_close() -> None:
    frame = random_market(10, 200)
    snap = XRayEngine(AnalysisSettings()).run(frame)
    assert snap.candle_ms == int(frame.timestamp[-1])
    assert snap.generated_at_ms == snap.candle_ms + 3_600_000


class _Broken:
    name = "broken"
    needs_features = False

    def detect(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult:
        raise ZeroDivisionError("model blew up")


def test_a_failing_detector_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    s = AnalysisSettings()
    engine = XRayEngine(s, detectors=[_Broken(), TrendDetector(s), PatternDetector(s)])
    result = engine.analyse(random_market(20, 200))
    assert set(result.detections) == {"trend", "patterns"}
    assert "detector broken failed" in caplog.text


def test_sanitize_blanks_bad_candles_only() -> None:
    frame = random_market(3, 50)
    c = frame.close.copy()
    c[1, 5] = 0.0
    clean = sanitize_frame(_replace(frame, close=c))
    assert np.isnan(clean.open[1, 5])
    assert np.isnan(clean.volume[1, 5])
    assert np.isfinite(clean.close[1, 4])
    assert sanitize_frame(frame) is frame


@pytest.mark.parametrize(
    ("field", "value"),
    [("high", np.inf), ("low", -2.0), ("open", 0.0), ("volume", -1.0), ("volume", np.nan)],
)
def test_sanitize_finds_each_kind_of_bad_candle_in_a_view(field: str, value: float) -> None:
    frame = random_market(4, 60)
    arr = getattr(frame, field).copy()
    arr[2, 57] = value
    view = _replace(frame, **{field: arr}).tail(10)  # arrays that are not contiguous
    clean = sanitize_frame(view)
    assert clean is not view
    for name in ("open", "high", "low", "close", "volume"):
        got, before = getattr(clean, name), getattr(view, name)
        assert np.isnan(got[2, 7])
        np.testing.assert_array_equal(np.delete(got.ravel(), 27), np.delete(before.ravel(), 27))


def test_sanitize_leaves_missing_candles_alone() -> None:
    frame = random_market(3, 40)
    blank = {n: getattr(frame, n).copy() for n in ("open", "high", "low", "close", "volume")}
    for arr in blank.values():
        arr[0, :10] = np.nan  # listed later: missing, not bad
    listed_later = _replace(frame, **blank)
    assert sanitize_frame(listed_later) is listed_later


class _FeatureReader:
    name = "reader"
    needs_features = True

    def __init__(self) -> None:
        self.seen: FeatureView | None = None

    def detect(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult:
        self.seen = feats
        n = frame.shape[0]
        return DetectorResult(self.name, ("none",), np.zeros(n, np.int64), np.zeros(n))


def test_features_only_when_a_detector_needs_them() -> None:
    frame = random_market(20, 200)
    lean = XRayEngine(AnalysisSettings()).analyse(frame)
    assert lean.features is None
    assert "features" not in lean.snapshot.timings
    reader = _FeatureReader()
    full = XRayEngine(AnalysisSettings(), detectors=[reader]).analyse(frame)
    assert full.features is not None
    assert reader.seen is full.features
    assert reader.seen.get(reader.seen.names[0]).shape == full.frame.shape
    forced = XRayEngine(AnalysisSettings(features_always=True)).analyse(frame)
    assert forced.features is not None
    # The fused set and the on-demand indicators give the same verdicts.
    assert forced.scores is not None
    assert lean.scores is not None
    np.testing.assert_allclose(forced.scores.score, lean.scores.score, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), holes=st.floats(0.0, 0.5), n=st.integers(1, 12))
def test_random_damage_never_raises_and_scores_stay_finite(seed: int, holes: float, n: int) -> None:
    rng = np.random.default_rng(seed)
    frame = random_market(n, 160, seed=seed)
    damaged = {}
    for name in ("open", "high", "low", "close", "volume"):
        a = getattr(frame, name).copy()
        a[rng.random(a.shape) < holes * rng.random((n, 1))] = rng.choice(
            [np.nan, -1.0, np.inf, 0.0]
        )
        damaged[name] = a
    result = XRayEngine(AnalysisSettings()).analyse(_replace(frame, **damaged))
    assert result.snapshot.scanned == n
    if result.scores is not None:
        assert np.isfinite(result.scores.score).all()
    for row in result.snapshot.symbols:
        assert 0 <= row.score <= 100
    orjson.dumps(result.snapshot.to_json())


class _SlowFit(RobustAnomalyDetector):
    """Yields the GIL between fit and score, as a long fit would."""

    def fit(self, history: MetricPanel) -> None:
        super().fit(history)
        time.sleep(0.005)


def test_one_engine_shared_by_threads_gives_sequential_results() -> None:
    frames = [random_market(40, 260, seed=s) for s in (21, 22, 23, 24)]
    engine = XRayEngine(AnalysisSettings(), anomaly=_SlowFit())
    expected = [engine.analyse(f).anomaly for f in frames]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda f: engine.analyse(f).anomaly, frames * 2))
    for i, res in enumerate(got):
        want = expected[i % 4]
        assert res is not None
        assert want is not None
        np.testing.assert_array_equal(res.z, want.z)


def _snap(engine: XRayEngine, frame: MarketFrame) -> dict[str, object]:
    doc = engine.run(frame, now_ms=1).to_json()
    doc.pop("timings")
    return doc


@pytest.mark.parametrize("features", [True, False])
def test_reused_indicator_buffers_never_leak_between_runs(features: bool) -> None:
    settings = AnalysisSettings(features_always=features)
    first, second = random_market(30, 220, seed=11), random_market(30, 220, seed=12)
    other_shape = random_market(25, 240, seed=13)
    reused = XRayEngine(settings)
    runs = [_snap(reused, f) for f in (first, second, other_shape, second)]
    fresh = [_snap(XRayEngine(settings), f) for f in (first, second, other_shape, second)]
    assert runs == fresh
    assert runs[0] != runs[1]


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.usefixtures("small_parts")
def test_worker_threads_do_not_change_the_x_ray(workers: int) -> None:
    frame = random_market(45, 230, seed=17)
    settings = AnalysisSettings(features_always=True)
    two = XRayEngine(settings).analyse(frame, now_ms=1)
    other = XRayEngine(settings.model_copy(update={"workers": workers})).analyse(frame, now_ms=1)
    assert two.features is not None
    assert other.features is not None
    np.testing.assert_array_equal(other.features.block, two.features.block)
    docs = [r.snapshot.to_json() for r in (two, other)]
    for doc in docs:
        doc.pop("timings")
    assert docs[0] == docs[1]


def test_kept_features_survive_later_passes_and_scratch_ones_are_reused() -> None:
    engine = XRayEngine(AnalysisSettings(features_always=True))
    assert engine.scratch_indicators() is None
    assert engine.scratch_features() is None
    first, second = random_market(30, 220, seed=31), random_market(30, 220, seed=32)
    kept = engine.analyse(first)
    assert engine.scratch_features() is None  # analyse keeps its features for the caller
    kept_ind = engine.scratch_indicators()
    assert kept_ind is not None
    assert kept_ind.shape == kept.frame.shape
    assert kept.features is not None
    before = kept.features.block.copy()
    scratch = engine.analyse(second, keep_features=False)
    engine.run(first)
    engine.analyse(second)
    np.testing.assert_array_equal(kept.features.block, before)
    assert scratch.features is not None
    again = engine.analyse(second, keep_features=False)
    assert again.features is not None
    assert again.features.block is scratch.features.block
    assert engine.scratch_features() is again.features
    fresh = XRayEngine(AnalysisSettings(features_always=True)).analyse(second)
    assert fresh.features is not None
    np.testing.assert_array_equal(again.features.block, fresh.features.block)


def test_the_x_ray_layers_serve_every_indicator_metrics_and_detectors_read() -> None:
    s = AnalysisSettings(token_ema_period=21, adx_period=9, bb_period=15, donchian_bars=11)
    engine = XRayEngine(s)
    frame = random_market(10, 150, seed=3)
    layers = compute_layers(frame, XRAY_INDICATORS, engine._params)
    bank = IndicatorBank(frame, layers)
    assert bank.returns() is layers.get("log_return")
    assert bank.ema(s.token_ema_period) is layers.get("ema_slow")
    assert bank.rsi(s.rsi_period) is layers.get("rsi")
    assert bank.adx(s.adx_period) is layers.get("adx")
    assert bank.atr(s.atr_period) is layers.get("atr")
    assert bank.volume_z(s.volume_z_bars) is layers.get("volume_z")
    assert bank.bbands(s.bb_period, s.bb_nbdev)[1] is layers.get("bb_middle")
    assert bank.donchian(s.donchian_bars)[0] is layers.get("donchian_upper")
    assert set(XRAY_INDICATORS) <= set(FUSED_INDICATORS)
