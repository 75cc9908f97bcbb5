"""Walk-forward split boundaries and the seeded Monte Carlo drawdown distribution."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from backtest_frames import make_market
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.backtest.robustness import monte_carlo_drawdown, slice_frame, walk_forward_splits
from simbiot.backtest.trades import Trade


def test_rolling_boundaries() -> None:
    splits = walk_forward_splits(100, train=40, test=20)
    assert [(s.train_start, s.train_stop, s.test_start, s.test_stop) for s in splits] == [
        (0, 40, 40, 60),
        (20, 60, 60, 80),
        (40, 80, 80, 100),
    ]
    assert [s.fold for s in splits] == [0, 1, 2]
    assert splits[0].train == slice(0, 40)
    assert splits[0].test == slice(40, 60)


def test_anchored_gap_and_step() -> None:
    splits = walk_forward_splits(100, train=30, test=10, step=25, anchored=True, gap=5)
    assert [(s.train_start, s.train_stop, s.test_start, s.test_stop) for s in splits] == [
        (0, 30, 35, 45),
        (0, 55, 60, 70),
        (0, 80, 85, 95),
    ]


def test_too_short_and_invalid() -> None:
    assert walk_forward_splits(50, train=40, test=20) == []
    for kw in ({"train": 0, "test": 1}, {"train": 1, "test": 0}, {"train": 1, "test": 1, "gap": -1},
               {"train": 1, "test": 1, "step": 0}):  # fmt: skip
        with pytest.raises(ValueError):
            walk_forward_splits(10, **kw)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 500), train=st.integers(1, 100), test=st.integers(1, 100),
    step=st.integers(1, 100), anchored=st.booleans(), gap=st.integers(0, 10),
)  # fmt: skip
def test_split_properties(
    n: int, train: int, test: int, step: int, anchored: bool, gap: int
) -> None:
    splits = walk_forward_splits(n, train=train, test=test, step=step, anchored=anchored, gap=gap)
    for s in splits:
        assert 0 <= s.train_start < s.train_stop <= s.test_start - gap
        assert s.test_stop - s.test_start == test
        assert s.test_stop <= n
        assert s.train_stop - s.train_start == (s.train_stop if anchored else train)
    for a, b in itertools.pairwise(splits):
        assert b.test_start - a.test_start == step
    # One more fold would not fit.
    if splits:
        assert splits[-1].test_stop + step > n


def test_slice_frame() -> None:
    frame = make_market(2, 50, 1)
    part = slice_frame(frame, slice(10, 20))
    assert part.shape == (2, 10)
    assert part.timestamp[0] == frame.timestamp[10]
    np.testing.assert_array_equal(part.close, frame.close[:, 10:20])


def _trades(pnls: list[float]) -> list[Trade]:
    return [
        Trade("A/USDT", "long", i, i + 1, 1.0, 1.0, 1.0, 0.0, p, "signal")
        for i, p in enumerate(pnls)
    ]


def test_monte_carlo_deterministic_by_seed() -> None:
    rng = np.random.default_rng(0)
    trades = _trades(list(rng.normal(5, 100, 200)))
    a = monte_carlo_drawdown(trades, 10_000.0, runs=500, seed=7)
    b = monte_carlo_drawdown(trades, 10_000.0, runs=500, seed=7, chunk=33)
    c = monte_carlo_drawdown(trades, 10_000.0, runs=500, seed=8)
    assert a == b
    assert a != c
    p = list(a.percentiles.values())
    assert p == sorted(p)
    assert 0.0 <= p[0] <= p[-1] <= 1.0
    assert 0.0 <= a.p_worse <= 1.0
    doc = a.to_json()
    assert set(doc["max_drawdown"]) == {"p5", "p25", "p50", "p75", "p95"}


def test_monte_carlo_known_cases() -> None:
    # All losses: every order gives the same drawdown.
    same = monte_carlo_drawdown(_trades([-100.0] * 10), 1000.0, runs=50, seed=1)
    assert same.original_max_drawdown == pytest.approx(1.0)
    assert all(v == pytest.approx(1.0) for v in same.percentiles.values())
    # One loss among wins: the worst order puts it first (10 %), the best last (100 / 1400).
    mixed = monte_carlo_drawdown(
        _trades([100.0, 100.0, 100.0, 100.0, -100.0]), 1000.0, runs=400, seed=2
    )
    assert mixed.original_max_drawdown == pytest.approx(100 / 1400)
    assert max(mixed.percentiles.values()) <= 0.1 + 1e-12
    assert mixed.percentiles[5.0] == pytest.approx(100 / 1400)
    empty = monte_carlo_drawdown([], 1000.0, runs=10)
    assert empty.original_max_drawdown == 0.0
    assert empty.trades == 0
    with pytest.raises(ValueError):
        monte_carlo_drawdown([], 0.0)
