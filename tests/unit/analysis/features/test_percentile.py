"""rolling_percentile equals a brute-force rank and never looks ahead."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simbiot.analysis.features import rolling_percentile


def _brute(x: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    for t in range(len(x)):
        w = x[max(0, t - window + 1) : t + 1]
        w = w[np.isfinite(w)]
        if np.isfinite(x[t]) and len(w) >= min_periods:
            out[t] = np.mean(w <= x[t])
    return out


@settings(max_examples=60, deadline=None)
@given(
    x=arrays(
        np.float64,
        st.integers(0, 80),
        elements=st.one_of(
            st.floats(-1e6, 1e6),
            st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0]),
        ),
    ),
    window=st.integers(1, 30),
    min_periods=st.integers(1, 30),
)
def test_matches_brute_force(x: np.ndarray, window: int, min_periods: int) -> None:
    if min_periods > window:
        min_periods = window
    np.testing.assert_allclose(
        rolling_percentile(x, window, min_periods),
        _brute(x, window, min_periods),
        rtol=0,
        atol=1e-15,
    )


def test_two_d_rows_are_independent() -> None:
    x = np.random.default_rng(0).normal(size=(3, 50))
    both = rolling_percentile(x, 10, 5)
    for i in range(3):
        np.testing.assert_array_equal(both[i], rolling_percentile(x[i], 10, 5))


def test_ties_infinities_and_signed_zeros_rank_like_less_or_equal() -> None:
    x = np.array([0.0, -0.0, np.inf, 2.0, -np.inf, 2.0, np.nan, 0.0, 1.0])
    np.testing.assert_array_equal(rolling_percentile(x, 4, 1), _brute(x, 4, 1))
    np.testing.assert_array_equal(
        rolling_percentile(x, 9, 1), [1.0, 1.0, np.nan, 1.0, np.nan, 1.0, np.nan, 0.6, 4 / 6]
    )


def test_future_values_do_not_change_the_past() -> None:
    x = np.random.default_rng(1).normal(size=60)
    y = x.copy()
    y[40:] = 100.0
    np.testing.assert_array_equal(
        rolling_percentile(x, 20, 5)[:40], rolling_percentile(y, 20, 5)[:40]
    )


def test_bad_windows_are_rejected() -> None:
    with pytest.raises(ValueError):
        rolling_percentile(np.ones(5), 3, 4)
    with pytest.raises(ValueError):
        rolling_percentile(np.ones(5), 3, 0)
