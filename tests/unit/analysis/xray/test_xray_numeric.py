"""Vectorised NaN-safe helpers, checked against plain numpy and by properties."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simbiot.analysis.xray.numeric import (
    cross_section_rank,
    first_valid_index,
    last_column,
    log_prices,
    nanmedian_mad,
    own_percentile,
    valid_suffix_len,
)

finite_or_nan = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan))


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 30)), elements=finite_or_nan))
def test_nanmedian_mad_matches_numpy(x: np.ndarray) -> None:
    med, mad, n = nanmedian_mad(x)
    for i, row in enumerate(x):
        ok = row[np.isfinite(row)]
        assert n[i] == ok.size
        if ok.size == 0:
            assert np.isnan(med[i])
            assert np.isnan(mad[i])
        else:
            assert med[i] == np.median(ok)
            np.testing.assert_allclose(mad[i], np.median(np.abs(ok - np.median(ok))))


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, st.integers(0, 40), elements=finite_or_nan))
def test_cross_section_rank_is_in_unit_interval_and_monotone(x: np.ndarray) -> None:
    r = cross_section_rank(x)
    assert np.array_equal(np.isnan(r), np.isnan(x))
    ok = np.isfinite(x)
    assert np.all((r[ok] >= 0) & (r[ok] <= 1))
    xs, rs = x[ok], r[ok]
    order = np.argsort(xs, kind="stable")
    assert np.all(np.diff(rs[order]) >= -1e-12)
    for v in np.unique(xs):  # ties share one rank
        assert np.unique(rs[xs == v]).size == 1


def test_cross_section_rank_single_value_is_middle() -> None:
    assert cross_section_rank(np.array([np.nan, 3.0]))[1] == 0.5


def test_valid_suffix_first_valid_and_last_column() -> None:
    x = np.array(
        [[1.0, 2.0, 3.0], [np.nan, 2.0, 3.0], [1.0, np.nan, 3.0], [1.0, 2.0, np.nan], [np.nan] * 3]
    )
    assert valid_suffix_len(x).tolist() == [3, 2, 1, 0, 0]
    assert first_valid_index(x).tolist() == [0, 1, 0, 0, -1]
    lag1 = last_column(x, 1)
    assert lag1[[0, 1, 3]].tolist() == [2.0, 2.0, 2.0]
    assert np.isnan(lag1[[2, 4]]).all()
    assert np.isnan(last_column(x, 5)).all()
    assert valid_suffix_len(np.empty((2, 0))).tolist() == [0, 0]


def test_log_prices_blanks_non_positive() -> None:
    out = log_prices(np.array([1.0, 0.0, -1.0, np.inf, np.nan]))
    assert out[0] == 0.0
    assert np.isnan(out[1:]).all()


def test_own_percentile() -> None:
    hist = np.array([[1.0, 2.0, 3.0, 4.0], [np.nan] * 4, [1.0, np.nan, 1.0, 1.0]])
    cur = np.array([3.0, 1.0, 1.0])
    out = own_percentile(hist, cur)
    assert out[0] == 0.75
    assert np.isnan(out[1])
    assert out[2] == 1.0
