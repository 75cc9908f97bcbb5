from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.learning.labels import forward_return, forward_volatility, triple_barrier


def test_forward_return_matches_log_ratio_and_leaves_tail_nan() -> None:
    close = np.array([[1.0, 2.0, 4.0, 8.0]])
    out = forward_return(close, 2)
    np.testing.assert_allclose(out[0, :2], np.log([4.0, 4.0]))
    assert np.isnan(out[0, 2:]).all()


def test_forward_return_rejects_bad_horizon() -> None:
    with pytest.raises(ValueError, match="horizon"):
        forward_return(np.ones((1, 3)), 0)


def test_triple_barrier_first_touch_decides() -> None:
    close = np.full((2, 6), 100.0)
    high = close.copy()
    low = close.copy()
    high[0, 2] = 120.0  # row 0: up first
    low[0, 3] = 80.0
    low[1, 1] = 80.0  # row 1: down first
    high[1, 2] = 120.0
    vol = np.full_like(close, 0.05)
    out = triple_barrier(close, high, low, vol, 3, 1.0)
    assert out[0, 0] == 1.0
    assert out[1, 0] == 0.0
    assert np.isnan(out[:, 3:]).all()


def test_triple_barrier_both_in_one_candle_counts_as_down() -> None:
    close = np.full((1, 4), 100.0)
    high, low = close.copy(), close.copy()
    high[0, 1], low[0, 1] = 150.0, 50.0
    out = triple_barrier(close, high, low, np.full_like(close, 0.05), 2, 1.0)
    assert out[0, 0] == 0.0


def test_triple_barrier_unknown_without_volatility() -> None:
    close = np.full((1, 5), 100.0)
    vol = np.full_like(close, np.nan)
    assert np.isnan(triple_barrier(close, close, close, vol, 1, 1.0)).all()


def test_triple_barrier_rejects_bad_arguments() -> None:
    a = np.ones((1, 3))
    with pytest.raises(ValueError):
        triple_barrier(a, a, a, a, 0, 1.0)
    with pytest.raises(ValueError):
        triple_barrier(a, a, a, a, 1, 0.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 6))
def test_triple_barrier_labels_are_binary_or_nan(seed: int, horizon: int) -> None:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (3, 40)), axis=1))
    high, low = close * 1.01, close * 0.99
    out = triple_barrier(close, high, low, np.full_like(close, 0.02), horizon, 1.0)
    finite = out[np.isfinite(out)]
    assert set(np.unique(finite)) <= {0.0, 1.0}
    assert np.isnan(out[:, -horizon:]).all()
    assert np.isfinite(out[:, :-horizon]).all()


def test_forward_volatility_reads_only_its_horizon() -> None:
    rng = np.random.default_rng(5)
    close = np.exp(np.cumsum(rng.normal(0, 0.01, size=(3, 120)), axis=1))
    h = 6
    fv = forward_volatility(close, h)
    r = np.log(close[:, 1:] / close[:, :-1])
    t = 40
    np.testing.assert_allclose(fv[:, t], r[:, t : t + h].std(axis=1, ddof=1))
    assert np.isnan(fv[:, -h:]).all()
    changed = close.copy()
    changed[:, t + h + 1 :] *= 3.0  # after the label window: the label at t stays
    np.testing.assert_allclose(forward_volatility(changed, h)[:, t], fv[:, t])
    changed[:, t + h] *= 1.5  # inside the window: it moves
    assert not np.allclose(forward_volatility(changed, h)[:, t], fv[:, t])
    with pytest.raises(ValueError):
        forward_volatility(close, 1)
