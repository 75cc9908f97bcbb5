"""compute_indicators: the fused set equals the single functions, reuses buffers, validates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from indicator_refs import random_candles

import simbiot.analysis.indicators as ind
from simbiot.analysis.indicators import (
    INDICATOR_NAMES,
    IndicatorParams,
    IndicatorSet,
    compute_indicators,
)
from simbiot.domain.frame import MarketFrame


def _frame(rows: int = 5, n: int = 400, timeframe: str = "1h", seed: int = 3) -> MarketFrame:
    d = random_candles(np.random.default_rng(seed), n, rows=rows)
    for arr in (d.o, d.h, d.l, d.c, d.v):
        arr[1, :150] = np.nan  # listed later
        arr[2, 200:204] = np.nan  # a gap
        arr[3, :] = np.nan  # quarantined
    symbols = tuple(f"S{i}/USDT" for i in range(rows))
    return MarketFrame(
        "sim", timeframe, symbols, np.arange(n, dtype=np.int64), d.o, d.h, d.l, d.c, d.v
    )


def _singles(f: MarketFrame, p: IndicatorParams, ann: float) -> dict[str, np.ndarray]:
    o, h, lo, c, v = f.open, f.high, f.low, f.close, f.volume
    macd = ind.macd(c, p.macd_fast, p.macd_slow, p.macd_signal)
    bb = ind.bbands(c, p.bb_period, p.bb_nbdev)
    stoch = ind.stoch(h, lo, c, p.stoch_fastk, p.stoch_slowk, p.stoch_slowd)
    dc = ind.donchian(h, lo, p.donchian)
    return {
        "sma": ind.sma(c, p.sma),
        "ema_fast": ind.ema(c, p.ema_fast),
        "ema_slow": ind.ema(c, p.ema_slow),
        "ema_trend": ind.ema(c, p.ema_trend),
        "rsi": ind.rsi(c, p.rsi),
        "macd": macd[0],
        "macd_signal": macd[1],
        "macd_hist": macd[2],
        "bb_upper": bb[0],
        "bb_middle": bb[1],
        "bb_lower": bb[2],
        "trange": ind.trange(h, lo, c),
        "atr": ind.atr(h, lo, c, p.atr),
        "natr": ind.natr(h, lo, c, p.atr),
        "plus_di": ind.plus_di(h, lo, c, p.adx),
        "minus_di": ind.minus_di(h, lo, c, p.adx),
        "adx": ind.adx(h, lo, c, p.adx),
        "obv": ind.obv(c, v),
        "mfi": ind.mfi(h, lo, c, v, p.mfi),
        "stoch_k": stoch[0],
        "stoch_d": stoch[1],
        "cci": ind.cci(h, lo, c, p.cci),
        "donchian_upper": dc[0],
        "donchian_lower": dc[1],
        "donchian_middle": dc[2],
        "vwap": ind.vwap(h, lo, c, v, p.vwap),
        "log_return": ind.log_returns(c, 1),
        "std": ind.rolling_std(c, p.std),
        "cc_vol": ind.close_to_close_vol(c, p.volatility, ann),
        "parkinson_vol": ind.parkinson_vol(h, lo, p.volatility, ann),
        "gk_vol": ind.garman_klass_vol(o, h, lo, c, p.volatility, ann),
        "rs_vol": ind.rogers_satchell_vol(o, h, lo, c, p.volatility, ann),
        "volume_z": ind.volume_zscore(v, p.volume_z),
    }


@pytest.mark.parametrize(
    "params",
    [
        IndicatorParams(),
        IndicatorParams(sma=7, ema_fast=3, ema_slow=9, rsi=5, bb_period=10, std=15, atr=1, adx=4),
    ],
)
def test_fused_set_equals_the_single_functions_bit_for_bit(params: IndicatorParams) -> None:
    f = _frame()
    got = compute_indicators(f, params)
    expected = _singles(f, params, ind.periods_per_year("1h"))
    assert set(expected) == set(INDICATOR_NAMES) == set(got.names)
    for name in INDICATOR_NAMES:
        np.testing.assert_array_equal(got.get(name), expected[name], err_msg=name)
        assert got.get(name) is getattr(got, name)


def test_long_rows_computed_in_several_chunks_equal_the_single_functions() -> None:
    # 20,000 candles a row: the log ratios go through chunks of 8, 8 and 4 rows
    f = _frame(rows=20, n=20_000, seed=11)
    got = compute_indicators(f)
    expected = _singles(f, got.params, got.annualization)
    for name in INDICATOR_NAMES:
        np.testing.assert_array_equal(got.get(name), expected[name], err_msg=name)


def test_result_layout_rows_and_no_inf() -> None:
    f = _frame()
    got = compute_indicators(f)
    assert got.shape == f.shape
    assert got.block.shape == (len(INDICATOR_NAMES), *f.shape)
    assert got.symbols == f.symbols
    for k, name in enumerate(got.names):
        assert np.shares_memory(got.get(name), got.block[k])
    assert not np.isinf(got.block).any()
    assert np.isnan(got.block[:, 3]).all()  # the quarantined row
    assert np.isnan(got.rsi[1, :150]).all()
    assert np.isfinite(got.rsi[1, 164:]).all()


def test_unknown_name_raises_key_error() -> None:
    got = compute_indicators(_frame(n=50))
    with pytest.raises(KeyError):
        got.get("nope")


def test_out_buffer_is_reused_and_overwritten() -> None:
    first = compute_indicators(_frame(seed=1))
    block = first.block
    second_frame = _frame(seed=2)
    second = compute_indicators(second_frame, out=first)
    assert second.block is block
    np.testing.assert_array_equal(second.block, compute_indicators(second_frame).block)


def test_out_of_another_shape_is_rejected() -> None:
    first = compute_indicators(_frame(n=100))
    with pytest.raises(ValueError, match="shape"):
        compute_indicators(_frame(n=101), out=first)


def test_out_with_other_params_returns_a_set_carrying_the_new_params() -> None:
    f = _frame()
    first = compute_indicators(f)
    params = IndicatorParams(rsi=7)
    second = compute_indicators(f, params, out=first)
    assert second.params == params
    assert second.block is first.block


def test_annualization_defaults_to_the_timeframe_and_can_be_set() -> None:
    f = _frame(timeframe="5m")
    derived = compute_indicators(f)
    assert derived.annualization == pytest.approx(365 * 288)
    fixed = compute_indicators(f, IndicatorParams(annualization=1.0))
    np.testing.assert_allclose(
        derived.cc_vol, fixed.cc_vol * np.sqrt(365 * 288), rtol=1e-12, equal_nan=True
    )


def test_unknown_timeframe_needs_an_explicit_annualization() -> None:
    f = _frame(timeframe="7m")
    with pytest.raises(ValueError, match="timeframe"):
        compute_indicators(f)
    assert compute_indicators(f, IndicatorParams(annualization=100.0)).annualization == 100.0


def test_non_contiguous_frame_views_are_accepted() -> None:
    f = _frame(n=300)
    view = f.tail(120)
    assert not view.close.flags.c_contiguous
    got = compute_indicators(view)
    np.testing.assert_array_equal(got.rsi, ind.rsi(np.ascontiguousarray(view.close)))


def test_params_are_hashable_cache_keys() -> None:
    a, b = IndicatorParams(rsi=10), IndicatorParams(rsi=10)
    assert a == b
    assert hash(a) == hash(b)
    assert {(a, ("BTC/USDT",)): 1}[(b, ("BTC/USDT",))] == 1
    assert IndicatorParams(rsi=11) != a


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rsi": 1},
        {"sma": 0},
        {"atr": 0},
        {"ema_fast": 2.5},
        {"adx": True},
        {"bb_nbdev": -1.0},
        {"bb_nbdev": float("nan")},
        {"annualization": 0.0},
        {"annualization": float("inf")},
    ],
)
def test_invalid_params_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        IndicatorParams(**kwargs)  # type: ignore[arg-type]


def test_from_block_rejects_wrong_shapes() -> None:
    params = IndicatorParams()
    with pytest.raises(ValueError):
        IndicatorSet.from_block(params, ("A",), np.zeros((3, 1, 5)), 1.0)
    with pytest.raises(ValueError):
        IndicatorSet.from_block(params, ("A", "B"), np.zeros((len(INDICATOR_NAMES), 1, 5)), 1.0)
    with pytest.raises(ValueError):
        IndicatorSet.from_block(
            params, ("A",), np.zeros((len(INDICATOR_NAMES), 1, 5), dtype=np.float32), 1.0
        )


@st.composite
def params_and_frames(draw: st.DrawFn) -> tuple[IndicatorParams, MarketFrame]:
    """Any valid periods, frames with late listings, gaps and a missing volume."""
    small = st.integers(2, 12)
    one = st.integers(1, 6)
    params = IndicatorParams(
        sma=draw(small),
        ema_fast=draw(small),
        ema_slow=draw(small),
        ema_trend=draw(small),
        rsi=draw(small),
        macd_fast=draw(small),
        macd_slow=draw(small),
        macd_signal=draw(one),
        bb_period=draw(small),
        bb_nbdev=draw(st.floats(0.0, 4.0)),
        atr=draw(one),
        adx=draw(small),
        mfi=draw(small),
        stoch_fastk=draw(one),
        stoch_slowk=draw(one),
        stoch_slowd=draw(one),
        cci=draw(small),
        donchian=draw(one),
        vwap=draw(one),
        std=draw(small),
        volatility=draw(small),
        volume_z=draw(small),
    )
    rows = draw(st.integers(1, 11))
    n = draw(st.integers(0, 90))
    f = _frame(rows=max(rows, 4), n=n, seed=draw(st.integers(0, 10_000)))
    if n:
        f.volume[0, draw(st.integers(0, n - 1))] = np.nan
    return params, f


@settings(max_examples=40, deadline=None)
@given(case=params_and_frames())
def test_fused_equals_single_functions_for_any_params(
    case: tuple[IndicatorParams, MarketFrame],
) -> None:
    params, f = case
    got = compute_indicators(f, params)
    expected = _singles(f, params, ind.periods_per_year("1h"))
    for name in INDICATOR_NAMES:
        np.testing.assert_array_equal(got.get(name), expected[name], err_msg=name)


@pytest.mark.realdata
def test_real_1h_market_gives_finite_last_values(real_1h: MarketFrame) -> None:
    got = compute_indicators(real_1h)
    assert not np.isinf(got.block).any()
    alive = np.isfinite(real_1h.close[:, -1])
    assert np.isfinite(got.block[:, alive, -1]).all()
