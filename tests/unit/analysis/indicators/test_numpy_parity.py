"""Indicators without a TA-Lib counterpart equal brute-force numpy references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from indicator_refs import (
    NUMPY_CASES,
    Ohlcv,
    assert_close,
    frame_ohlcv,
    random_candles,
    reference_by_segment,
)

from simbiot.domain.frame import MarketFrame

CASES = sorted(NUMPY_CASES)


def _check_rows(name: str, d: Ohlcv) -> None:
    ours_fn, ref_fn, inputs = NUMPY_CASES[name]
    ours = ours_fn(d)
    for i in range(d.c.shape[0]):
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = reference_by_segment(ref_fn, d.row(i), inputs)
        for k, (o, e) in enumerate(zip(ours, expected, strict=True)):
            assert_close(o[i], e, f"{name}[{k}] row {i}")


@pytest.mark.parametrize("name", CASES)
def test_matches_reference_on_random_walks_with_gaps(name: str) -> None:
    d = random_candles(np.random.default_rng(21), 600, rows=3)
    for arr in (d.o, d.h, d.l, d.c, d.v):
        arr[1, :77] = np.nan
        arr[2, 300:302] = np.nan
    _check_rows(name, d)


@pytest.mark.parametrize("name", CASES)
def test_one_d_input_equals_the_row_of_a_two_d_input(name: str) -> None:
    d = random_candles(np.random.default_rng(4), 200, rows=3)
    whole = NUMPY_CASES[name][0](d)
    for i in range(3):
        for w, s in zip(whole, NUMPY_CASES[name][0](d.row(i)), strict=True):
            np.testing.assert_array_equal(w[i], s)


@pytest.mark.parametrize("name", CASES)
def test_constant_series_gives_zero_volatility_and_no_inf(name: str) -> None:
    d = Ohlcv(*(np.full((1, 90), 0.3) for _ in range(4)), np.full((1, 90), 5.0))
    (out, *_) = NUMPY_CASES[name][0](d)
    assert not np.isinf(out).any()
    _check_rows(name, d)


def test_non_positive_prices_are_gaps_for_volatility() -> None:
    d = random_candles(np.random.default_rng(2), 120)
    d.c[0, 60] = 0.0
    d.o[0, 70] = -1.0
    cc = NUMPY_CASES["close_to_close_vol"][0](d)[0]
    gk = NUMPY_CASES["garman_klass_vol"][0](d)[0]
    assert np.isnan(cc[0, 60:81]).all()
    assert np.isfinite(cc[0, 81:]).all()
    assert np.isnan(gk[0, 60:90]).all()
    assert np.isfinite(gk[0, 90:]).all()
    _check_rows("close_to_close_vol", d)
    _check_rows("garman_klass_vol", d)


def test_volumeless_window_gives_mean_typical_price() -> None:
    d = random_candles(np.random.default_rng(8), 60)
    d.v[0, :] = 0.0
    out = NUMPY_CASES["vwap"][0](d)[0][0]
    tp = (d.h[0] + d.l[0] + d.c[0]) / 3
    np.testing.assert_allclose(out[19:], np.convolve(tp, np.ones(20) / 20, "valid"), rtol=1e-12)


@st.composite
def candles(draw: st.DrawFn) -> Ohlcv:
    """Random walks at any magnitude with leading NaN, gaps and zero volumes."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 200))
    d = random_candles(
        rng,
        n,
        scale=10.0 ** draw(st.floats(-8, 8)),
        sigma=draw(st.sampled_from([1e-4, 0.02, 0.3])),
    )
    d.v[0] *= 10.0 ** draw(st.floats(-6, 6))
    if draw(st.booleans()):
        d.v[0, rng.random(n) < 0.3] = 0.0
    lead = draw(st.integers(0, n))
    gaps = draw(st.lists(st.integers(0, n - 1), max_size=3))
    for arr in (d.o, d.h, d.l, d.c, d.v):
        arr[0, :lead] = np.nan
        arr[0, gaps] = np.nan
    return d


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=candles())
def test_matches_reference_on_generated_candles(name: str, d: Ohlcv) -> None:
    _check_rows(name, d)


@pytest.mark.realdata
@pytest.mark.parametrize("name", CASES)
def test_matches_reference_on_every_real_1h_symbol(name: str, real_1h: MarketFrame) -> None:
    _check_rows(name, frame_ohlcv(real_1h))
