from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simbiot.learning.decisions import filter_entries, size_multiplier, stop_multiplier


def test_filter_drops_low_probability_entries_keeps_unknown() -> None:
    entries = np.array([True, True, True, False])
    p = np.array([0.4, 0.7, np.nan, 0.9])
    np.testing.assert_array_equal(filter_entries(entries, p, 0.55), [False, True, True, False])
    np.testing.assert_array_equal(
        filter_entries(entries, p, 0.55, keep_unknown=False), [False, True, False, False]
    )


def test_filter_broadcasts_over_time_and_validates() -> None:
    entries = np.ones((2, 3), dtype=bool)
    out = filter_entries(entries, np.array([[0.9], [0.1]]), 0.5)
    np.testing.assert_array_equal(out, [[True] * 3, [False] * 3])
    with pytest.raises(ValueError):
        filter_entries(entries, 0.5, 1.5)


def test_size_multiplier_scales_by_conviction_and_volatility() -> None:
    m = size_multiplier(
        np.array([0.5, 0.6, 0.5, np.nan]), np.array([0.02, 0.02, 0.04, np.nan]), target_vol=0.02
    )
    np.testing.assert_allclose(m, [1.0, 1.2, 0.5, 1.0])
    with pytest.raises(ValueError):
        size_multiplier(0.5, 0.02, target_vol=0)


def test_stop_multiplier_follows_predicted_volatility() -> None:
    m = stop_multiplier(np.array([0.01, 0.04, 0.1, np.nan]), np.array([0.02, 0.02, 0.02, 0.02]))
    np.testing.assert_allclose(m, [0.75, 2.0, 2.0, 1.0])
    with pytest.raises(ValueError):
        stop_multiplier(1, 1, low=2)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, 8, elements=st.floats(allow_nan=True, allow_infinity=True)),
    arrays(np.float64, 8, elements=st.floats(allow_nan=True, allow_infinity=True)),
)
def test_multipliers_always_bounded(p: np.ndarray, v: np.ndarray) -> None:
    m = size_multiplier(p, v, target_vol=0.02, floor=0.25, cap=1.5)
    assert np.isfinite(m).all()
    assert ((m >= 0.25) & (m <= 1.5)).all()
    s = stop_multiplier(v, p)
    assert ((s >= 0.75) & (s <= 2.0)).all()
    f = filter_entries(np.ones(8, dtype=bool), p, 0.5)
    assert f.dtype == np.bool_
