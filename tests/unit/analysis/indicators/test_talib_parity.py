"""Every TA-Lib-backed indicator equals TA-Lib: synthetic, property-based and real candles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from indicator_refs import (
    TALIB_CASES,
    Ohlcv,
    assert_close,
    frame_ohlcv,
    random_candles,
    reference_by_segment,
)

from simbiot.domain.frame import MarketFrame

CASES = sorted(TALIB_CASES)


def _check_rows(name: str, d: Ohlcv) -> None:
    ours_fn, ref_fn, inputs = TALIB_CASES[name]
    ours = ours_fn(d)
    for i in range(d.c.shape[0]):
        expected = reference_by_segment(ref_fn, d.row(i), inputs)
        assert len(ours) == len(expected)
        for k, (o, e) in enumerate(zip(ours, expected, strict=True)):
            assert_close(o[i], e, f"{name}[{k}] row {i}")


@pytest.mark.parametrize("name", CASES)
def test_matches_talib_on_random_walks(name: str) -> None:
    d = random_candles(np.random.default_rng(7), 700, rows=3)
    _check_rows(name, d)


@pytest.mark.parametrize("name", CASES)
def test_one_d_input_equals_the_row_of_a_two_d_input(name: str) -> None:
    d = random_candles(np.random.default_rng(11), 300, rows=4)
    ours_fn = TALIB_CASES[name][0]
    whole = ours_fn(d)
    for i in range(4):
        single = ours_fn(d.row(i))
        for w, s in zip(whole, single, strict=True):
            assert s.ndim == 1
            np.testing.assert_array_equal(w[i], s)


@pytest.mark.parametrize("name", CASES)
def test_leading_nans_match_talib_on_the_valid_suffix(name: str) -> None:
    d = random_candles(np.random.default_rng(5), 400, rows=2)
    for arr in (d.o, d.h, d.l, d.c, d.v):
        arr[0, :123] = np.nan
        arr[1, :399] = np.nan  # a single candle: too short for any warm-up
    _check_rows(name, d)


@pytest.mark.parametrize("name", CASES)
def test_gap_restarts_the_indicator_like_talib_on_the_post_gap_segment(name: str) -> None:
    d = random_candles(np.random.default_rng(9), 500, rows=1)
    for arr in (d.o, d.h, d.l, d.c, d.v):
        arr[0, 200:203] = np.nan
        arr[0, 350] = np.nan
    _check_rows(name, d)
    ours = TALIB_CASES[name][0](d)
    for o in ours:
        assert np.isnan(o[0, 200:203]).all()


@pytest.mark.parametrize("name", CASES)
def test_constant_series_gives_finite_values_like_talib(name: str) -> None:
    n = 120
    d = Ohlcv(*(np.full((1, n), 7.25) for _ in range(4)), np.full((1, n), 3.0))
    _check_rows(name, d)


@pytest.mark.parametrize("name", CASES)
def test_all_nan_row_gives_all_nan(name: str) -> None:
    d = random_candles(np.random.default_rng(1), 80, rows=2)
    for arr in (d.o, d.h, d.l, d.c, d.v):
        arr[1] = np.nan
    for o in TALIB_CASES[name][0](d):
        assert np.isnan(o[1]).all()
        assert np.isfinite(o[0]).any()


@st.composite
def candles(draw: st.DrawFn) -> Ohlcv:
    """Random walks at any magnitude, with flat stretches, zero volumes, leading NaN and gaps."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 260))
    scale = 10.0 ** draw(st.floats(-8, 8))
    sigma = draw(st.sampled_from([1e-6, 1e-3, 0.02, 0.2]))
    rng = np.random.default_rng(seed)
    d = random_candles(rng, n, rows=1, scale=scale, sigma=sigma)
    if draw(st.booleans()):  # flat stretch: repeated candles
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a, n))
        for arr in (d.o, d.h, d.l, d.c):
            arr[0, a:b] = arr[0, a]
    if draw(st.booleans()):
        d.v[0, rng.random(n) < 0.2] = 0.0
    lead = draw(st.integers(0, n))
    gaps = draw(st.lists(st.integers(0, n - 1), max_size=4))
    for arr in (d.o, d.h, d.l, d.c, d.v):
        arr[0, :lead] = np.nan
        arr[0, gaps] = np.nan
    return d


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=candles())
def test_matches_talib_on_generated_candles(name: str, d: Ohlcv) -> None:
    _check_rows(name, d)


@pytest.mark.realdata
@pytest.mark.parametrize("name", CASES)
def test_matches_talib_on_every_real_1h_symbol(name: str, real_1h: MarketFrame) -> None:
    _check_rows(name, frame_ohlcv(real_1h))


@pytest.mark.realdata
@pytest.mark.parametrize("name", CASES)
def test_matches_talib_on_real_5m_symbols(name: str, real_5m: MarketFrame) -> None:
    _check_rows(name, frame_ohlcv(real_5m))
