"""Market state on hand-made series: regimes, volatility-scaled thresholds, fallbacks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.analysis.market_state import (
    MarketRegime,
    MarketState,
    MarketStateClassifier,
    choose_reference,
    read_series,
)
from simbiot.analysis.xray.synthetic import frame_from_closes
from simbiot.config.sections import AnalysisSettings

REFS = ("BTC/USDT", "ETH/USDT", "BNB/USDT")
BARS = 300


def _walk(sigma: float, drift: float = 0.0, seed: int = 1, n: int = BARS) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(drift + sigma * rng.standard_normal(n)))


def _market(ref: np.ndarray, others: int = 20, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = [ref]
    for _ in range(others):
        rows.append(50.0 * np.exp(np.cumsum(0.004 * rng.standard_normal(len(ref)))))
    return np.vstack(rows)


def _classify(closes: np.ndarray, symbols: tuple[str, ...], **kw: object) -> MarketState:
    frame = frame_from_closes(closes, symbols)
    return MarketStateClassifier(AnalysisSettings()).classify(frame, **kw)  # type: ignore[arg-type]


def _names(n: int, first: tuple[str, ...] = ("BTC/USDT",)) -> tuple[str, ...]:
    return (*first, *(f"X{i}/USDT" for i in range(n - len(first))))


def test_clear_uptrend_is_bull() -> None:
    closes = _market(_walk(0.004, drift=0.003))
    state = _classify(closes, _names(len(closes)))
    assert state.regime is MarketRegime.BULL
    assert state.reference == "BTC/USDT"
    assert 0.5 <= state.confidence <= 1.0
    assert any("slope" in r for r in state.reasons)


def test_clear_downtrend_is_bear() -> None:
    closes = _market(_walk(0.004, drift=-0.0015))
    state = _classify(closes, _names(len(closes)))
    assert state.regime is MarketRegime.BEAR


def test_flat_noise_is_sideways() -> None:
    closes = _market(_walk(0.004, seed=11))
    state = _classify(closes, _names(len(closes)))
    assert state.regime is MarketRegime.SIDEWAYS


def test_sudden_drop_is_crash() -> None:
    ref = _walk(0.004, seed=5)
    ref[-12:] = ref[-13] * np.exp(np.linspace(-0.02, -0.25, 12))
    state = _classify(_market(ref), _names(21))
    assert state.regime is MarketRegime.CRASH
    assert state.measures["drawdown_z"] < -3.0


def test_volatility_burst_is_high_volatility() -> None:
    rng = np.random.default_rng(9)
    r = 0.003 * rng.standard_normal(BARS)
    r[-24:] = 0.012 * np.sign(rng.standard_normal(24)) * (1 + rng.random(24))
    r[-24:] -= r[-24:].mean()  # a wild market that goes nowhere
    ref = 100 * np.exp(np.cumsum(r))
    state = _classify(_market(ref), _names(21))
    assert state.regime is MarketRegime.HIGH_VOLATILITY
    assert state.measures["vol_ratio"] > 1.8


def test_same_percent_move_is_trend_when_calm_and_noise_when_wild() -> None:
    # Zero-drift oscillation of size sigma, plus the same +5 % over the last 60 bars.
    wiggle = np.where(np.arange(BARS) % 2 == 0, 1.0, -1.0)
    trend = np.zeros(BARS)
    trend[-60:] = 0.05 / 60
    calm = 100 * np.exp(np.cumsum(0.001 * wiggle + trend))
    wild = 100 * np.exp(np.cumsum(0.02 * wiggle + trend))
    calm_state = _classify(_market(calm), _names(21))
    wild_state = _classify(_market(wild), _names(21))
    assert calm_state.regime is MarketRegime.BULL
    assert wild_state.regime is not MarketRegime.BULL
    assert abs(wild_state.measures["slope_z"]) < abs(calm_state.measures["slope_z"])


def test_read_series_of_flat_series_is_all_zero() -> None:
    reading = read_series(np.full(200, 5.0), AnalysisSettings())
    assert reading.sigma == 0.0
    assert reading.slope_z == reading.momentum_z == reading.drawdown_z == 0.0


def test_btc_missing_falls_back_to_eth() -> None:
    closes = _market(_walk(0.004, drift=0.003))
    state = _classify(closes, _names(21, ("ETH/USDT", "BNB/USDT")))
    assert state.reference == "ETH/USDT"


def test_btc_quarantined_falls_back_to_eth() -> None:
    closes = np.vstack([_walk(0.004, seed=2), _market(_walk(0.004, drift=0.003))])
    names = _names(22, REFS)
    state = _classify(closes, names, quarantined={"BTC/USDT"})
    assert state.reference == "ETH/USDT"
    assert state.regime is MarketRegime.BULL


def test_btc_and_eth_unusable_falls_back_to_bnb() -> None:
    btc = _walk(0.004)
    btc[: BARS - 50] = np.nan  # too little data
    closes = np.vstack([btc, _walk(0.004), _walk(0.004, drift=-0.003)])
    frame = frame_from_closes(closes, REFS)
    row, skipped = choose_reference(frame, AnalysisSettings(), {"ETH/USDT"})
    assert row == 2
    assert skipped == ["BTC/USDT has 50 valid candles (< 120)", "ETH/USDT quarantined"]


def test_gap_at_the_end_disqualifies_reference() -> None:
    btc = _walk(0.004)
    btc[-100] = np.nan
    closes = np.vstack([btc, _walk(0.004, seed=8)])
    row, skipped = choose_reference(
        frame_from_closes(closes, ("BTC/USDT", "ETH/USDT")), AnalysisSettings(), ()
    )
    assert row == 1
    assert "99 valid candles" in skipped[0]


def test_no_reference_uses_breadth_only_market_index() -> None:
    rng = np.random.default_rng(12)
    common = np.cumsum(0.003 + 0.002 * rng.standard_normal(BARS))
    closes = 10 * np.exp(common + np.cumsum(0.002 * rng.standard_normal((15, BARS)), axis=1))
    state = _classify(closes, _names(15, ("DOGE/USDT",)))
    assert state.reference is None
    assert not state.is_default
    assert state.regime is MarketRegime.BULL
    assert any("breadth-only" in r for r in state.reasons)


def test_reference_quarantined_everywhere_gives_breadth_only() -> None:
    closes = _market(_walk(0.004), others=5)
    state = _classify(closes, _names(6), quarantined={"BTC/USDT"})
    assert state.reference is None
    assert "BTC/USDT quarantined" in " ".join(state.reasons)


@pytest.mark.parametrize("shape", [(0, 0), (3, 0), (3, 1)])
def test_no_data_gives_stated_default(shape: tuple[int, int]) -> None:
    closes = np.full(shape, 1.0)
    frame = frame_from_closes(closes, _names(shape[0]) if shape[0] else ())
    state = MarketStateClassifier(AnalysisSettings()).classify(frame)
    assert state == MarketState.default("no data")
    assert state.regime is MarketRegime.SIDEWAYS
    assert state.confidence == 0.0
    assert state.is_default


def test_all_nan_market_gives_default() -> None:
    closes = np.full((4, 200), np.nan)
    state = _classify(closes, _names(4, ("XRP/USDT",)))
    assert state.is_default
    assert state.reasons == ("no data",)


def test_breadth_divergence_lowers_confidence() -> None:
    ref = _walk(0.004, drift=0.003)
    rng = np.random.default_rng(6)
    falling = 50 * np.exp(np.cumsum(-0.004 + 0.002 * rng.standard_normal((20, BARS)), axis=1))
    rising = 50 * np.exp(np.cumsum(0.004 + 0.002 * rng.standard_normal((20, BARS)), axis=1))
    weak = _classify(np.vstack([ref, falling]), _names(21))
    strong = _classify(np.vstack([ref, rising]), _names(21))
    assert weak.regime is strong.regime is MarketRegime.BULL
    assert weak.confidence < strong.confidence


def test_to_json_turns_non_finite_measures_into_null() -> None:
    state = MarketState(
        MarketRegime.SIDEWAYS, 0.5, (), None, measures={"a": float("nan"), "b": 1.0}
    )
    assert state.to_json()["measures"] == {"a": None, "b": 1.0}


def test_to_json_is_plain_and_finite() -> None:
    state = _classify(_market(_walk(0.004, drift=0.003)), _names(21))
    doc = state.to_json()
    assert doc["regime"] == "bull"
    assert set(doc) == {"regime", "confidence", "reasons", "reference", "is_default", "measures"}
    assert all(v is None or np.isfinite(v) for v in doc["measures"].values())


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    sigma=st.floats(1e-4, 0.05),
    drift=st.floats(-0.01, 0.01),
    scale=st.floats(1e-6, 1e6),
)
def test_verdict_is_scale_free_and_bounded(
    seed: int, sigma: float, drift: float, scale: float
) -> None:
    closes = _market(_walk(sigma, drift=drift, seed=seed), others=4, seed=seed)
    a = _classify(closes, _names(5))
    b = _classify(closes * scale, _names(5))
    assert a.regime is b.regime
    assert 0.0 <= a.confidence <= 1.0
    assert a.confidence == pytest.approx(b.confidence, abs=1e-6)
    for key in ("slope_z", "momentum_z", "drawdown_z", "vol_ratio"):
        assert a.measures[key] == pytest.approx(b.measures[key], rel=1e-6, abs=1e-6)
