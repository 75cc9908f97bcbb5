"""Token metrics: direction, vol scaling, relative strength, ages, tickers and metadata."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.analysis.xray.metrics import TokenMetadata, compute_metrics
from simbiot.analysis.xray.synthetic import frame_from_closes
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.market import Ticker

BARS = 300
S = AnalysisSettings()


def _closes() -> np.ndarray:
    rng = np.random.default_rng(0)
    noise = 0.004 * rng.standard_normal((5, BARS))
    drift = np.array([0.0, 0.003, -0.003, 0.0, 0.0])[:, None]
    closes = 100 * np.exp(np.cumsum(noise + drift, axis=1))
    closes[3] = 7.0  # constant
    closes[4, :] = np.nan  # no data at all
    return closes


def _metrics(**kw: object):  # type: ignore[no-untyped-def]
    frame = frame_from_closes(
        _closes(), ("REF/USDT", "UP/USDT", "DOWN/USDT", "FLAT/USDT", "NAN/USDT")
    )
    return frame, compute_metrics(IndicatorBank(frame), S, **kw)  # type: ignore[arg-type]


def test_direction_and_momentum_signs() -> None:
    _, m = _metrics(reference_close=None)
    assert m.slope_z[1] > S.trend_k
    assert m.slope_z[2] < -S.trend_k
    assert m.momentum_z[1] > 0 > m.momentum_z[2]
    assert m.trend_strength[1] > 0 > m.trend_strength[2]
    assert 0 <= m.rsi[1] <= 100


def test_relative_strength_against_reference() -> None:
    _, m = _metrics(reference_close=_closes()[0])
    assert m.relative_strength[0] == pytest.approx(0.0, abs=1e-9)
    assert m.relative_strength[1] > 0 > m.relative_strength[2]


def test_bad_rows_get_nan_or_zero_not_errors() -> None:
    _, m = _metrics(reference_close=None)
    assert m.volatility_pct[3] == 0.0
    assert m.slope_z[3] == 0.0
    assert m.momentum_z[3] == 0.0
    row = m.row(4)
    assert np.isnan(row["price"])
    assert np.isnan(row["slope_z"])
    assert row["age_bars"] == 0.0
    assert all(np.isfinite(m.price[:4]))


def test_volatility_is_scaled_and_percentile_bounded() -> None:
    _, m = _metrics(reference_close=None)
    assert m.volatility_pct[0] == pytest.approx(0.4, rel=0.35)
    ok = np.isfinite(m.volatility_percentile)
    assert np.all((m.volatility_percentile[ok] >= 0) & (m.volatility_percentile[ok] <= 1))


def test_change_and_liquidity_from_candles_then_tickers() -> None:
    frame, m = _metrics(reference_close=None)
    c = frame.close[0]
    assert m.change_pct[0] == pytest.approx(100 * (c[-1] / c[-25] - 1))
    assert m.liquidity[0] == pytest.approx(np.sum(c[-24:] * 1000.0))
    tickers = {"REF/USDT": Ticker("REF/USDT", 0, 1.0, quote_volume=5e6, change_pct=-3.5)}
    _, m2 = _metrics(reference_close=None, tickers=tickers)
    assert m2.liquidity[0] == 5e6
    assert m2.change_pct[0] == -3.5
    assert m2.liquidity[1] == m.liquidity[1]


def test_listing_age_from_first_candle_or_metadata() -> None:
    closes = _closes()[:2].copy()
    closes[1, :200] = np.nan  # listed 100 bars (hours) before the newest candle
    frame = frame_from_closes(closes, ("OLD/USDT", "NEW/USDT"))
    m = compute_metrics(IndicatorBank(frame), S, reference_close=None)
    assert np.isnan(m.listing_age_days[0])  # older than the window: unknown
    assert m.listing_age_days[1] == pytest.approx(99 / 24)
    assert m.age_bars.tolist() == [300.0, 100.0]
    meta = {
        "OLD/USDT": TokenMetadata(market_cap=1e9, rank=12, listed_at_ms=0),
        "NEW/USDT": TokenMetadata(),
    }
    m2 = compute_metrics(IndicatorBank(frame), S, reference_close=None, metadata=meta)
    assert m2.market_cap[0] == 1e9
    assert m2.market_cap_rank[0] == 12
    assert m2.listing_age_days[0] > 19_000  # listed at the epoch
    assert np.isnan(m2.market_cap[1])


def test_volume_spike_raises_volume_z() -> None:
    closes = _closes()[:2]
    volume = np.full(closes.shape, 1000.0) + np.random.default_rng(1).random(closes.shape)
    volume[1, -1] = 50_000.0
    frame = frame_from_closes(closes, ("A/USDT", "B/USDT"), volume=volume)
    m = compute_metrics(IndicatorBank(frame), S, reference_close=None)
    assert m.volume_z[1] > S.volume_spike_z
    assert abs(m.volume_z[0]) < S.volume_spike_z


def test_data_layer_market_profile_is_accepted_as_metadata() -> None:
    from decimal import Decimal

    from simbiot.data.metadata import MarketProfile
    from simbiot.domain.market import MarketInfo

    frame = frame_from_closes(_closes()[:1], ("REF/USDT",))
    info = MarketInfo("sim", "REF/USDT", "REF", "USDT", Decimal("0.01"), Decimal("0.001"))
    profile = MarketProfile(info, coingecko_id="ref", market_cap=5e8, rank=40)
    m = compute_metrics(
        IndicatorBank(frame), S, reference_close=None, metadata={"REF/USDT": profile}
    )
    assert m.market_cap[0] == 5e8
    assert m.market_cap_rank[0] == 40
    assert np.isnan(m.listing_age_days[0])
