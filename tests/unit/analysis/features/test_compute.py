"""compute_features: shapes, bounds, causality, benchmarks, buffer reuse."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from feature_frames import load_binance, make_frame

from simbiot.analysis.features import (
    CLIP,
    FEATURE_INDICATORS,
    FeatureParams,
    compute_features,
    feature_names,
    market_breadth,
)
from simbiot.analysis.features._k_features import price_ratio_2d
from simbiot.analysis.indicators import compute_indicators, compute_layers, log_returns
from simbiot.domain.frame import MarketFrame


def _features(frame: MarketFrame, reference: int | None = 0, **kw: object):
    return compute_features(frame, compute_indicators(frame), reference, **kw)  # type: ignore[arg-type]


def test_layout_names_and_matrix(frame: MarketFrame) -> None:
    fs = _features(frame)
    assert fs.names == feature_names(FeatureParams())
    assert fs.block.shape == (len(fs.names), *frame.shape)
    assert fs.symbols == frame.symbols
    m = fs.matrix()
    assert m.shape == (frame.shape[0], len(fs.names))
    assert m.flags.c_contiguous
    np.testing.assert_array_equal(m, fs.block[:, :, -1].T)
    np.testing.assert_array_equal(fs.matrix(123)[1], fs.block[:, 1, 123])
    np.testing.assert_array_equal(fs.get("adx"), fs.block[fs.names.index("adx")])
    with pytest.raises(KeyError):
        fs.get("nope")


def test_values_are_bounded_and_never_inf(frame: MarketFrame) -> None:
    fs = _features(frame)
    assert not np.isinf(fs.block).any()
    finite = np.where(np.isfinite(fs.block), fs.block, 0.0)
    ratio_names = [n for n in fs.names if n.startswith(("ret_z", "rel_", "dist_", "macd"))]
    for name in ratio_names:
        assert np.abs(np.nan_to_num(fs.get(name))).max() <= CLIP
    assert finite[fs.names.index("rsi_centered")].min() >= -1.0
    assert finite[fs.names.index("rsi_centered")].max() <= 1.0
    rank = fs.get("vol_rank")
    assert np.nanmin(rank) > 0.0
    assert np.nanmax(rank) <= 1.0


def test_last_candle_has_features_for_every_listed_symbol(frame: MarketFrame) -> None:
    fs = _features(frame)
    m = fs.matrix()
    assert np.isfinite(m).all()


def test_flat_market_gives_zeros_not_infinities(frame: MarketFrame) -> None:
    fs = _features(frame)
    row = 4  # flat from candle 300: ATR decays, distances are 0/0
    for name in ("dist_ema_fast_atr", "dist_sma_atr", "ret_z_1", "macd_hist_atr"):
        tail = fs.get(name)[row, 380:]
        assert np.isfinite(tail).all(), name
        assert np.abs(tail).max() <= CLIP


def test_leading_nans_and_gaps_stay_nan(frame: MarketFrame) -> None:
    fs = _features(frame)
    assert np.isnan(fs.block[: fs.names.index("breadth_above_ema"), 2, :120]).all()
    assert np.isnan(fs.get("ret_z_1")[3, 250:253]).all()


@pytest.mark.parametrize("t", [130, 251, 399])
@pytest.mark.parametrize("reference", [0, None])
def test_no_look_ahead(frame: MarketFrame, t: int, reference: int | None) -> None:
    base = _features(frame, reference)
    rng = np.random.default_rng(t)
    changed = {}
    for name in ("open", "high", "low", "close", "volume"):
        arr = getattr(frame, name).copy()
        arr[:, t + 1 :] *= np.exp(rng.normal(0.0, 0.3, arr[:, t + 1 :].shape))
        changed[name] = arr
    perturbed = _features(dataclasses.replace(frame, **changed), reference)
    np.testing.assert_array_equal(base.block[:, :, : t + 1], perturbed.block[:, :, : t + 1])
    np.testing.assert_array_equal(
        base.breadth.above_ema[: t + 1], perturbed.breadth.above_ema[: t + 1]
    )
    if t + 1 < frame.shape[1]:
        assert not np.array_equal(
            base.block[:, :, t + 1 :], perturbed.block[:, :, t + 1 :], equal_nan=True
        )


@pytest.mark.parametrize("horizon", [1, 4])
def test_relative_strength_against_a_reference_row(frame: MarketFrame, horizon: int) -> None:
    fs = _features(frame, reference=1)
    rel = fs.get(f"rel_strength_{horizon}")
    valid = np.isfinite(rel[1])
    np.testing.assert_array_equal(rel[1][valid], 0.0)
    r = log_returns(frame.close, horizon)
    np.testing.assert_allclose(
        rel[0], np.clip(r[0] - r[1], -CLIP, CLIP), rtol=1e-12, equal_nan=True
    )


def test_relative_strength_without_reference_uses_the_cross_sectional_median(
    frame: MarketFrame,
) -> None:
    fs = _features(frame, reference=None)
    r = log_returns(frame.close, 1)
    t = 200
    np.testing.assert_allclose(
        fs.get("rel_strength_1")[:, t], r[:, t] - np.nanmedian(r[:, t]), rtol=1e-12
    )


def test_volatility_scaled_returns_are_scale_free() -> None:
    a = _features(make_frame(seed=5, scale=100.0))
    b = _features(make_frame(seed=5, scale=1e-6))
    for name in ("ret_z_1", "ret_z_24", "dist_ema_slow_atr", "rsi_centered", "vol_rank", "adx"):
        np.testing.assert_allclose(a.get(name), b.get(name), rtol=1e-6, atol=1e-9, equal_nan=True)


def test_volatility_scaled_returns_have_about_unit_spread() -> None:
    fs = _features(make_frame(rows=40, n=600, seed=9))
    z = fs.get("ret_z_1")[:, 100:]
    assert 0.7 < np.nanstd(z) < 1.3


def test_breadth_counts_symbols_above_their_trend(frame: MarketFrame) -> None:
    ind = compute_indicators(frame)
    fs = compute_features(frame, ind, 0)
    t = 350
    ok = np.isfinite(ind.ema_trend[:, t]) & np.isfinite(ind.log_return[:, t])
    expected = np.mean(frame.close[ok, t] > ind.ema_trend[ok, t])
    assert fs.breadth.above_ema[t] == pytest.approx(expected)
    assert fs.breadth.counted[t] == ok.sum()
    np.testing.assert_array_equal(fs.get("breadth_above_ema")[:, t], expected)


def test_out_buffer_is_reused(frame: MarketFrame) -> None:
    first = _features(frame)
    block = first.block
    other = make_frame(seed=3)
    second = _features(other, out=first)
    assert second.block is block
    np.testing.assert_array_equal(second.block, _features(other).block)


def test_mismatched_inputs_are_rejected(frame: MarketFrame) -> None:
    ind = compute_indicators(frame)
    with pytest.raises(ValueError, match="shape"):
        compute_features(frame.tail(50), ind, 0)
    with pytest.raises(IndexError):
        compute_features(frame, ind, 99)
    small = _features(frame.tail(50))
    with pytest.raises(ValueError, match="shape"):
        compute_features(frame, ind, 0, out=small)


def test_custom_horizons_name_their_features(frame: MarketFrame) -> None:
    params = FeatureParams(
        horizons=(2, 12), liquidity_window=6, vol_rank_window=100, vol_rank_min_periods=10
    )
    fs = _features(frame, params=params)
    assert fs.names[:4] == ("ret_z_2", "ret_z_12", "rel_strength_2", "rel_strength_12")
    assert fs.params == params


@pytest.mark.realdata
def test_real_1h_market_features_are_bounded_and_causal(shared_data: Path) -> None:
    frame = load_binance(shared_data, "1h")
    btc = frame.index("BTC_USDT")
    fs = _features(frame, btc)
    assert not np.isinf(fs.block).any()
    alive = np.isfinite(frame.close[:, -1])
    assert np.isfinite(fs.matrix()[alive]).all()
    t = 3000
    cut = dataclasses.replace(
        frame,
        **{k: getattr(frame, k)[:, : t + 1] for k in ("open", "high", "low", "close", "volume")},
        timestamp=frame.timestamp[: t + 1],
    )
    np.testing.assert_array_equal(_features(cut, btc).block, fs.block[:, :, : t + 1])


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.usefixtures("small_parts")
def test_chosen_layers_and_threads_give_the_same_features(frame: MarketFrame, workers: int) -> None:
    whole = _features(frame)
    layers = compute_layers(frame, FEATURE_INDICATORS)
    got = compute_features(frame, layers, 0, workers=workers)
    np.testing.assert_array_equal(got.block, whole.block)
    np.testing.assert_array_equal(got.breadth.above_ema, whole.breadth.above_ema)


def test_indicators_lacking_a_read_layer_are_refused(frame: MarketFrame) -> None:
    partial = compute_layers(frame, [n for n in FEATURE_INDICATORS if n != "natr"])
    with pytest.raises(KeyError, match="natr"):
        compute_features(frame, partial, 0)
    with pytest.raises(ValueError, match="workers"):
        compute_features(frame, compute_layers(frame, FEATURE_INDICATORS), 0, workers=0)


@pytest.mark.parametrize("k", [1, 4, 24])
def test_price_ratio_logs_are_the_log_returns(frame: MarketFrame, k: int) -> None:
    close = frame.close.copy()
    close[0, 200] = 0.0  # a non-positive price: NaN on both sides of it
    close[5, 300] = -3.0
    close[4, 310:312] = np.nan  # a gap restarts the run
    ratio = np.empty_like(close)
    price_ratio_2d(close, k, ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        got = np.log(ratio)
    want = log_returns(close, k)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=0, equal_nan=True)
    assert np.isnan(got[0, 200])
    assert np.isnan(got[0, 200 + k])
    assert np.isnan(got[4, 312 : 312 + k]).all()


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.usefixtures("small_parts")
def test_breadth_counted_on_threads_equals_one_thread(frame: MarketFrame, workers: int) -> None:
    ind = compute_indicators(frame)
    one = market_breadth(frame.close, ind.ema_trend, ind.log_return)
    many = market_breadth(frame.close, ind.ema_trend, ind.log_return, workers)
    for name in one.names:
        np.testing.assert_array_equal(many.get(name), one.get(name))
    empty = market_breadth(frame.close[:0], ind.ema_trend[:0], ind.log_return[:0], workers)
    assert np.isnan(empty.above_ema).all()
    np.testing.assert_array_equal(empty.counted, 0.0)


def test_liquidity_is_the_log_of_the_trailing_quote_volume(frame: MarketFrame) -> None:
    w = 6
    fs = _features(frame, params=FeatureParams(liquidity_window=w))
    q = frame.close * frame.volume
    want = np.full(q.shape, np.nan)
    for t in range(w - 1, q.shape[1]):
        window = q[:, t - w + 1 : t + 1]
        ok = np.isfinite(window).all(axis=1)
        want[ok, t] = np.log1p(np.maximum(window[ok].sum(axis=1), 0.0))
    got = fs.get("liquidity")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)
    assert np.isnan(got[:, : w - 1]).all()
