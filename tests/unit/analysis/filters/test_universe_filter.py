"""Dynamic universe filter: thresholds follow the market's current distribution."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.analysis.filters import FilterResult, UniverseFilter
from simbiot.analysis.xray.synthetic import frame_from_closes
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.errors import DataError
from simbiot.domain.market import MarketInfo, MarketStatus, Ticker

BARS = 200


def _market(n: int, volumes: np.ndarray, sigmas: np.ndarray | None = None, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    sig = np.full(n, 0.01) if sigmas is None else sigmas
    closes = 10 * np.exp(np.cumsum(sig[:, None] * rng.standard_normal((n, BARS)), axis=1))
    vol = np.repeat(volumes[:, None], BARS, axis=1)
    names = tuple(f"S{i:02d}/USDT" for i in range(n))
    return frame_from_closes(closes, names, volume=vol), names


def test_liquidity_threshold_moves_with_the_market() -> None:
    f = UniverseFilter(
        AnalysisSettings(
            liquidity_quantile=0.5, volatility_low_quantile=0.0, volatility_high_quantile=1.0
        )
    )
    volumes = np.arange(1, 21, dtype=float) * 100
    frame, names = _market(20, volumes)
    res = f.apply(frame)
    hot_frame, _ = _market(20, volumes * 1000)
    hot = f.apply(hot_frame)
    # The same share is kept whatever the absolute level: the threshold follows the market.
    assert len(res.kept) == len(hot.kept) == 10
    assert res.kept == hot.kept == names[10:]
    assert hot.thresholds["liquidity_min"] == pytest.approx(
        res.thresholds["liquidity_min"] * 1000, rel=0.05
    )
    assert res.rejected[names[0]] == ("illiquid",)


def test_volatility_percentile_band() -> None:
    sig = np.linspace(0.001, 0.05, 30)
    frame, names = _market(30, np.full(30, 1000.0), sig)
    s = AnalysisSettings(
        liquidity_quantile=0.0, volatility_low_quantile=0.1, volatility_high_quantile=0.9
    )
    res = UniverseFilter(s).apply(frame)
    assert "volatility_low" in res.rejected[names[0]]
    assert "volatility_high" in res.rejected[names[-1]]
    assert names[15] in res.kept
    calm_frame, _ = _market(30, np.full(30, 1000.0), sig / 10)
    calm = UniverseFilter(s).apply(calm_frame)
    assert calm.thresholds["volatility_low"] == pytest.approx(
        res.thresholds["volatility_low"] / 10, rel=0.3
    )


def test_spread_against_median() -> None:
    frame, names = _market(10, np.full(10, 1000.0))
    tickers = {n: Ticker(n, 0, 10.0, bid=9.99, ask=10.01) for n in names}
    tickers[names[3]] = Ticker(names[3], 0, 10.0, bid=9.5, ask=10.5)
    s = AnalysisSettings(
        liquidity_quantile=0.0, volatility_low_quantile=0.0, volatility_high_quantile=1.0
    )
    res = UniverseFilter(s).apply(frame, tickers=tickers)
    assert res.rejected == {names[3]: ("wide_spread",)}
    assert res.thresholds["spread_max"] == pytest.approx(0.002 * 3, rel=1e-3)


def test_data_quality_and_quarantine_reasons() -> None:
    frame, names = _market(8, np.full(8, 1000.0))
    close = frame.close.copy()
    close[0, :] = np.nan  # no data
    close[1, -1] = np.nan  # stale
    close[2, : BARS - 10] = np.nan  # few candles
    close[3, ::5] = np.nan  # 20 % missing
    close[4, :] = 3.0  # stuck price
    bad = type(frame)(
        frame.exchange,
        frame.timeframe,
        frame.symbols,
        frame.timestamp,
        frame.open,
        frame.high,
        frame.low,
        close,
        frame.volume,
    )
    s = AnalysisSettings(
        liquidity_quantile=0.0, volatility_low_quantile=0.0, volatility_high_quantile=1.0
    )
    res = UniverseFilter(s).apply(bad, quarantined={names[5]})
    assert res.rejected[names[0]] == ("no_data",)
    assert "stale" in res.rejected[names[1]]
    assert res.rejected[names[2]] == ("few_candles",)
    assert "missing_candles" in res.rejected[names[3]]
    assert res.rejected[names[4]] == ("no_movement",)
    assert res.rejected[names[5]] == ("quarantined",)
    assert res.kept == names[6:]


def test_markets_reject_untradable_and_unknown() -> None:
    frame, names = _market(3, np.full(3, 1000.0))
    info = {
        names[0]: MarketInfo("sim", names[0], "S00", "USDT", Decimal("0.01"), Decimal("0.1")),
        names[1]: MarketInfo(
            "sim",
            names[1],
            "S01",
            "USDT",
            Decimal("0.01"),
            Decimal("0.1"),
            status=MarketStatus.HALTED,
        ),
    }
    s = AnalysisSettings(
        liquidity_quantile=0.0, volatility_low_quantile=0.0, volatility_high_quantile=1.0
    )
    res = UniverseFilter(s).apply(frame, markets=info)
    assert res.kept == (names[0],)
    assert res.rejected[names[1]] == ("not_tradable",)
    assert res.rejected[names[2]] == ("not_tradable",)


def test_empty_market_keeps_nothing() -> None:
    frame = frame_from_closes(np.empty((0, 10)), ())
    res = UniverseFilter(AnalysisSettings()).apply(frame)
    assert res.kept == ()
    assert res.rejected == {}


def test_json_round_trip_and_malformed() -> None:
    res = FilterResult(
        ("A",), {"B": ("illiquid",)}, {"liquidity_min": 3.0, "spread_max": float("nan")}
    )
    doc = res.to_json()
    assert doc["thresholds"]["spread_max"] is None
    back = FilterResult.from_json(doc)
    assert back.kept == res.kept
    assert back.rejected == res.rejected
    assert np.isnan(back.thresholds["spread_max"])
    with pytest.raises(DataError):
        FilterResult.from_json({"kept": ["A"]})
    with pytest.raises(DataError):
        FilterResult.from_json("not a dict")


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 25),
    scale=st.floats(1e-3, 1e6),
    holes=st.floats(0.0, 0.3),
)
def test_partition_and_scale_invariance(seed: int, n: int, scale: float, holes: float) -> None:
    rng = np.random.default_rng(seed)
    frame, names = _market(n, rng.lognormal(8, 2, n), rng.uniform(0.001, 0.05, n), seed)
    close = frame.close.copy()
    close[rng.random(close.shape) < holes * rng.random((n, 1))] = np.nan
    holed = type(frame)(frame.exchange, frame.timeframe, frame.symbols, frame.timestamp,
                        frame.open, frame.high, frame.low, close, frame.volume)  # fmt: skip
    scaled = type(frame)(frame.exchange, frame.timeframe, frame.symbols, frame.timestamp,
                         frame.open, frame.high, frame.low, close, frame.volume * scale)  # fmt: skip
    f = UniverseFilter(AnalysisSettings())
    a, b = f.apply(holed), f.apply(scaled)
    assert set(a.kept).isdisjoint(a.rejected)
    assert set(a.kept) | set(a.rejected) == set(names)
    assert all(a.rejected[s] for s in a.rejected)
    # Thresholds come from the market itself: rescaling every volume changes nothing.
    assert a.kept == b.kept
    assert a.rejected == b.rejected
