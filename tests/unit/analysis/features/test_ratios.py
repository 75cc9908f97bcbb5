"""bounded_ratio, relative/benchmark returns and market breadth on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simbiot.analysis.features import (
    CLIP,
    benchmark_returns,
    bounded_ratio,
    market_breadth,
    relative_returns,
)

floats = st.one_of(st.floats(allow_nan=True, allow_infinity=False), st.just(0.0))


def test_bounded_ratio_edge_cases() -> None:
    num = np.array([1.0, -1.0, 0.0, 3.0, np.nan, 1.0, 1e300])
    den = np.array([0.0, 0.0, 0.0, 2.0, 1.0, np.nan, 1e-300])
    out = bounded_ratio(num, den)
    np.testing.assert_array_equal(out, [CLIP, -CLIP, 0.0, 1.5, np.nan, np.nan, CLIP])


@settings(max_examples=80, deadline=None)
@given(num=arrays(np.float64, 20, elements=floats), den=arrays(np.float64, 20, elements=floats))
def test_bounded_ratio_is_never_inf_and_nan_only_from_nan(num: np.ndarray, den: np.ndarray) -> None:
    out = bounded_ratio(num, den)
    assert not np.isinf(out).any()
    assert (np.abs(out[np.isfinite(out)]) <= CLIP).all()
    np.testing.assert_array_equal(np.isnan(out), np.isnan(num) | np.isnan(den))


def test_benchmark_is_the_reference_row_or_the_median_where_it_has_none() -> None:
    r = np.array([[1.0, np.nan, 3.0], [2.0, 5.0, np.nan], [10.0, 7.0, np.nan]])
    np.testing.assert_array_equal(benchmark_returns(r, 1), [2.0, 5.0, 3.0])  # median fills
    np.testing.assert_array_equal(benchmark_returns(r, None), [2.0, 6.0, 3.0])
    np.testing.assert_array_equal(relative_returns(r, None)[:, 0], [-1.0, 0.0, 8.0])
    with pytest.raises(IndexError):
        benchmark_returns(r, 3)
    assert np.isnan(benchmark_returns(np.full((2, 2), np.nan), None)).all()


def test_market_breadth_counts_only_symbols_with_data() -> None:
    close = np.array([[2.0, 2.0, np.nan], [1.0, 3.0, np.nan], [5.0, np.nan, np.nan]])
    trend = np.array([[1.0, 3.0, 1.0], [2.0, 2.0, 1.0], [4.0, 1.0, 1.0]])
    ret = np.array([[0.1, -0.1, 0.0], [0.0, 0.2, 0.0], [-0.3, 0.1, 0.0]])
    b = market_breadth(close, trend, ret)
    np.testing.assert_allclose(b.above_ema[:2], [2 / 3, 1 / 2])
    np.testing.assert_allclose(b.advancing[:2], [1 / 3, 1 / 2])
    np.testing.assert_array_equal(b.counted, [3.0, 2.0, 0.0])
    assert np.isnan(b.above_ema[2])
    assert np.isnan(b.advancing[2])


def _breadth_reference(close: np.ndarray, trend: np.ndarray, ret: np.ndarray) -> np.ndarray:
    ok = np.isfinite(close) & np.isfinite(trend) & np.isfinite(ret)
    n = ok.sum(axis=0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        above = np.where(ok, close > trend, False).sum(axis=0) / n
        rising = np.where(ok, ret > 0.0, False).sum(axis=0) / n
    return np.stack([above, rising, n])


@settings(max_examples=60, deadline=None)
@given(
    data=arrays(
        np.float64,
        st.tuples(st.just(3), st.integers(1, 6), st.integers(0, 12)),
        elements=st.one_of(
            st.floats(-10, 10), st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0])
        ),
    )
)
def test_market_breadth_equals_masked_counts(data: np.ndarray) -> None:
    b = market_breadth(data[0], data[1], data[2])
    got = np.stack([b.above_ema, b.advancing, b.counted])
    np.testing.assert_array_equal(got, _breadth_reference(data[0], data[1], data[2]))


def test_market_breadth_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="shape"):
        market_breadth(np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="shape"):
        market_breadth(np.ones(3), np.ones(3), np.ones(3))
