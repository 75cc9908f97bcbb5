"""Trend and pattern detectors on hand-made candles."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.detectors import Detector, DetectorResult, PatternDetector, TrendDetector
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.analysis.xray.synthetic import frame_from_closes
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.frame import MarketFrame

S = AnalysisSettings()
BARS = 120


def _flat(n: int = 1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100 * np.exp(0.002 * rng.standard_normal((n, BARS)))


def _with_last(
    frame: MarketFrame, row: int, *bars: tuple[float, float, float, float]
) -> MarketFrame:
    """Overwrite the newest candles (o, h, l, c) of one row."""
    o, h, lo, c = (a.copy() for a in (frame.open, frame.high, frame.low, frame.close))
    for k, (bo, bh, bl, bc) in enumerate(bars):
        j = BARS - len(bars) + k
        o[row, j], h[row, j], lo[row, j], c[row, j] = bo, bh, bl, bc
    return MarketFrame(
        frame.exchange, frame.timeframe, frame.symbols, frame.timestamp, o, h, lo, c, frame.volume
    )


def _patterns(frame: MarketFrame) -> DetectorResult:
    return PatternDetector(S).detect(frame, IndicatorBank(frame), None)


def test_detectors_satisfy_protocol() -> None:
    assert isinstance(TrendDetector(S), Detector)
    assert isinstance(PatternDetector(S), Detector)


def test_trend_detector_labels_up_down_flat_and_no_data() -> None:
    rng = np.random.default_rng(3)
    steps = 0.003 * rng.standard_normal((4, BARS))
    steps[0] += 0.004
    steps[1] -= 0.004
    closes = 100 * np.exp(np.cumsum(steps, axis=1))
    closes[2] = 100 * np.exp(0.003 * np.where(np.arange(BARS) % 2 == 0, 1, -1))
    closes[3] = np.nan
    frame = frame_from_closes(closes)
    res = TrendDetector(S).detect(frame, IndicatorBank(frame), None)
    assert [res.label_of(i) for i in range(4)] == ["up", "down", "flat", "flat"]
    assert res.score[0] > 0.5
    assert res.score[1] < -0.5
    assert res.score[3] == 0.0
    assert res.flags_of(0) == ("uptrend",)
    assert np.all(np.abs(res.score) <= 1)


def test_breakout_and_breakdown() -> None:
    frame = frame_from_closes(_flat(3))
    frame = _with_last(frame, 0, (100, 112, 100, 111))
    frame = _with_last(frame, 1, (100, 100, 88, 89))
    res = _patterns(frame)
    assert "breakout" in res.flags_of(0)
    assert "breakdown" in res.flags_of(1)
    assert not res.flags["breakout"][2]
    assert res.label_of(0) == "breakout"
    assert res.score[0] == 1.0
    assert res.score[1] == -1.0


def test_engulfing_patterns() -> None:
    frame = frame_from_closes(_flat(2))
    frame = _with_last(frame, 0, (100.6, 100.7, 99.9, 100.0), (99.9, 100.9, 99.8, 100.8))
    frame = _with_last(frame, 1, (100.0, 100.7, 99.9, 100.6), (100.7, 100.8, 99.8, 99.9))
    res = _patterns(frame)
    assert res.flags["bullish_engulfing"].tolist() == [True, False]
    assert res.flags["bearish_engulfing"].tolist() == [False, True]


def test_hammer_after_a_decline() -> None:
    closes = 100 * np.exp(np.linspace(0, -0.1, BARS))[None, :]
    frame = frame_from_closes(np.vstack([closes, _flat(1)[0] * 0 + closes]))
    last = float(closes[0, -2])
    hammer = (last * 0.999, last * 1.0, last * 0.98, last * 1.0)
    frame = _with_last(frame, 0, hammer)
    res = _patterns(frame)
    assert res.flags["hammer"].tolist() == [True, False]


def test_higher_highs_and_lower_lows() -> None:
    up = 100 * np.exp(np.linspace(0, 0.2, BARS))
    down = 100 * np.exp(np.linspace(0, -0.2, BARS))
    frame = frame_from_closes(np.vstack([up, down, _flat(1)[0]]))
    res = _patterns(frame)
    assert res.flags["higher_highs"].tolist() == [True, False, False]
    assert res.flags["lower_lows"].tolist() == [False, True, False]


def test_squeeze_when_bands_sit_inside_keltner() -> None:
    quiet = 100 + 0.001 * np.where(np.arange(BARS) % 2 == 0, 1, -1)
    frame = frame_from_closes(np.vstack([quiet, _flat(1, seed=4)[0]]), wick=0.02)
    res = _patterns(frame)
    assert res.flags["squeeze"][0]


def test_patterns_on_nan_and_short_rows_are_all_false() -> None:
    closes = _flat(2)
    closes[0] = np.nan
    frame = frame_from_closes(closes[:, -10:])
    res = _patterns(frame)
    assert not any(v[0] for v in res.flags.values())
    assert res.label_of(0) == "none"


def test_result_validates_shapes_and_labels() -> None:
    with pytest.raises(ValueError):
        DetectorResult("x", ("a",), np.zeros(2, np.int64), np.zeros(3))
    with pytest.raises(ValueError):
        DetectorResult("x", ("a",), np.array([0, 1]), np.zeros(2))
