"""Potential scores: bounds, weights, anomaly penalty, deterministic ranks, flags."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.detectors import DetectorResult
from simbiot.analysis.xray.anomaly import AnomalyResult
from simbiot.analysis.xray.metrics import TokenMetrics
from simbiot.analysis.xray.scoring import score_symbols
from simbiot.config.sections import AnalysisSettings

SYMS = ("D/USDT", "A/USDT", "C/USDT", "B/USDT")


def _metrics(**over: list[float]) -> TokenMetrics:
    n = len(SYMS)
    base = {
        "price": [1.0] * n,
        "change_pct": [0.0] * n,
        "volatility_pct": [1.0] * n,
        "volatility_percentile": [0.5] * n,
        "slope_z": [0.0] * n,
        "trend_strength": [0.0] * n,
        "momentum_z": [0.0] * n,
        "volume_z": [0.0] * n,
        "liquidity": [1e6] * n,
        "relative_strength": [0.0] * n,
        "rsi": [50.0] * n,
        "age_bars": [500.0] * n,
        "listing_age_days": [np.nan] * n,
        "market_cap": [np.nan] * n,
        "market_cap_rank": [np.nan] * n,
    }
    base.update(over)
    return TokenMetrics(SYMS, **{k: np.asarray(v, dtype=float) for k, v in base.items()})


def _score(m: TokenMetrics, **kw: object):  # type: ignore[no-untyped-def]
    settings = kw.pop("settings", AnalysisSettings())
    args = {"detections": {}, "anomaly": None, "timeframe": "1h"} | kw
    return score_symbols(m, settings, **args)  # type: ignore[arg-type]


def test_scores_are_bounded_and_follow_momentum() -> None:
    m = _metrics(momentum_z=[3.0, -1.0, 1.0, 0.0], relative_strength=[3.0, -1.0, 1.0, 0.0])
    sc = _score(m)
    assert np.all((sc.score >= 0) & (sc.score <= 100))
    assert [SYMS[i] for i in sc.order] == ["D/USDT", "C/USDT", "B/USDT", "A/USDT"]
    assert sc.rank.tolist() == [1, 4, 2, 3]


def test_ties_break_by_symbol_name() -> None:
    sc = _score(_metrics())
    assert [SYMS[i] for i in sc.order] == ["A/USDT", "B/USDT", "C/USDT", "D/USDT"]
    assert len(set(sc.score.tolist())) == 1


def test_weights_decide_the_winner() -> None:
    m = _metrics(momentum_z=[3.0, 0.0, 0.0, 0.0], volume_z=[0.0, 5.0, 0.0, 0.0])
    by_mom = AnalysisSettings(w_momentum=1, w_trend=0, w_relative_strength=0, w_volume=0,
                              w_liquidity=0, w_pattern=0)  # fmt: skip
    by_vol = AnalysisSettings(w_momentum=0, w_trend=0, w_relative_strength=0, w_volume=1,
                              w_liquidity=0, w_pattern=0)  # fmt: skip
    assert SYMS[_score(m, settings=by_mom).order[0]] == "D/USDT"
    assert SYMS[_score(m, settings=by_vol).order[0]] == "A/USDT"
    assert _score(m, settings=by_mom).score.max() == pytest.approx(100.0)


def test_anomaly_penalty_and_missing_price() -> None:
    m = _metrics(price=[1.0, 1.0, 1.0, np.nan])
    flags = np.array([[True], [False], [False], [False]])
    anomaly = AnomalyResult(SYMS, ("x",), np.where(flags, 9.0, 0.0), flags)
    plain = _score(m)
    sc = _score(m, anomaly=anomaly)
    assert sc.score[0] == pytest.approx(max(0.0, plain.score[0] - 10.0))
    assert sc.score[3] == 0.0
    assert "anomaly" in sc.flags[0]
    assert "no_data" in sc.flags[3]


def test_flags_from_metrics_and_detectors() -> None:
    m = _metrics(volume_z=[4.0, 0, 0, 0], rsi=[75.0, 20.0, 50, 50],
                 listing_age_days=[1.0, np.nan, 10.0, np.nan])  # fmt: skip
    det = DetectorResult(
        "patterns", ("none", "breakout"), np.array([0, 0, 1, 0]), np.array([0, 0, 1.0, 0]),
        {"breakout": np.array([False, False, True, False])},
    )  # fmt: skip
    sc = _score(m, detections={"patterns": det})
    assert set(sc.flags[0]) == {"volume_spike", "overbought", "new_listing"}
    assert sc.flags[1] == ("oversold",)
    assert sc.flags[2] == ("breakout",)
    assert sc.flags[3] == ()
    assert sc.components["pattern"][2] == 1.0


def test_all_unknown_components_score_zero() -> None:
    nan4 = [np.nan] * 4
    m = _metrics(momentum_z=nan4, relative_strength=nan4, volume_z=nan4, liquidity=nan4,
                 trend_strength=nan4)  # fmt: skip
    sc = _score(m)
    assert sc.score.tolist() == [0.0] * 4


def test_settings_refuse_all_zero_weights() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="scoring weight"):
        AnalysisSettings(w_momentum=0, w_trend=0, w_relative_strength=0, w_volume=0,
                         w_liquidity=0, w_pattern=0)  # fmt: skip
