from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simbiot.signals.ops import (
    cross_percentile,
    crosses_above,
    crosses_below,
    falling,
    rising,
    rolling_rank,
    shift,
)


def test_shift_delays_and_pads_with_nan() -> None:
    a = np.array([[1.0, 2.0, 3.0]])
    assert np.array_equal(shift(a, 1), [[np.nan, 1.0, 2.0]], equal_nan=True)
    assert np.isnan(shift(a, 5)).all()


def test_crosses_fire_only_on_the_crossing_bar() -> None:
    a = np.array([[1.0, 2.0, 3.0, 2.0, 1.0]])
    b = 2.5
    assert crosses_above(a, b).tolist() == [[False, False, True, False, False]]
    assert crosses_below(a, b).tolist() == [[False, False, False, True, False]]


def test_cross_from_touching_counts_and_nan_never_crosses() -> None:
    a = np.array([[2.0, 2.0, 3.0, np.nan, 3.0]])
    assert crosses_above(a, np.array([[2.0] * 5])).tolist() == [[False, False, True, False, False]]


def test_rising_and_falling_need_n_consecutive_steps() -> None:
    a = np.array([[1.0, 2.0, 3.0, 2.0, 3.0, 4.0, 5.0]])
    assert rising(a, 2).tolist() == [[False, False, True, False, False, True, True]]
    assert rising(a, 3).tolist() == [[False, False, False, False, False, False, True]]
    assert falling(a, 1).tolist() == [[False, False, False, True, False, False, False]]


def test_cross_percentile_is_per_bar_and_nan_aware() -> None:
    a = np.array([[1.0, 10.0, np.nan], [2.0, 20.0, np.nan], [3.0, np.nan, np.nan]])
    p = cross_percentile(a, 50)
    assert p.shape == (1, 3)
    assert p[0, 0] == 2.0
    assert p[0, 1] == 15.0
    assert np.isnan(p[0, 2])


def _naive_rank(a: np.ndarray, w: int) -> np.ndarray:
    out = np.full(a.shape, np.nan)
    for r in range(a.shape[0]):
        for t in range(w - 1, a.shape[1]):
            win = a[r, t - w + 1 : t + 1]
            if np.isfinite(win).all():
                out[r, t] = np.mean(win <= a[r, t])
    return out


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 40)),
        elements=st.one_of(st.floats(-100, 100), st.just(np.nan)),
    ),
    st.integers(2, 10),
)
def test_rolling_rank_matches_the_definition(a: np.ndarray, window: int) -> None:
    assert np.allclose(rolling_rank(a, window), _naive_rank(a, window), equal_nan=True)


@settings(max_examples=80, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 12), st.integers(1, 6)),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)),
    ),
    st.floats(0, 100),
)
def test_cross_percentile_matches_numpy(a: np.ndarray, q: float) -> None:
    expected = np.full(a.shape[1], np.nan)
    for t in range(a.shape[1]):
        col = a[:, t][np.isfinite(a[:, t])]
        if col.size:
            expected[t] = np.percentile(col, q)
    assert np.allclose(cross_percentile(a, q)[0], expected, equal_nan=True, rtol=1e-9, atol=1e-6)


def test_bad_window_and_percentile_are_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="window"):
        rolling_rank(np.zeros((1, 5)), 1)
    with pytest.raises(ValueError, match="q must lie"):
        cross_percentile(np.zeros((2, 2)), 101)
