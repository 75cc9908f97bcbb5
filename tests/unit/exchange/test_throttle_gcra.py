"""Property tests of the reservation arithmetic shared by both limiters."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.exchange.throttle import RateLimit
from simbiot.exchange.throttle.base import Charge, reserve


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RateLimit, list[tuple[int, int]]]:
    limit = draw(st.integers(1, 500))
    burst = draw(st.integers(1, limit))
    interval = draw(st.sampled_from([1.0, 10.0, 60.0]))
    pool = RateLimit("p", limit, interval, burst=burst)
    gaps = draw(st.lists(st.integers(0, int(interval * 300)), min_size=1, max_size=120))
    weights = draw(st.lists(st.integers(1, burst), min_size=len(gaps), max_size=len(gaps)))
    return pool, list(zip(np.cumsum(gaps).tolist(), weights, strict=True))


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_no_window_ever_holds_more_than_the_limit(
    case: tuple[RateLimit, list[tuple[int, int]]],
) -> None:
    pool, requests = case
    tat = 0.0
    admitted: list[tuple[int, int]] = []
    for now, weight in requests:
        at, (tat,) = reserve([tat], [Charge(pool, weight)], now)
        assert at >= now
        admitted.append((at, weight))
    times = np.array([a for a, _ in admitted], dtype=np.int64)
    weights = np.array([w for _, w in admitted], dtype=np.int64)
    assert (np.diff(times) >= 0).all()  # first come, first served
    window = int(pool.interval_s * 1000)
    csum = np.concatenate([[0], np.cumsum(weights)])
    start = np.searchsorted(times, times - window + 1, side="left")
    end = np.searchsorted(times, times, side="right")
    assert int((csum[end] - csum[start]).max()) <= pool.limit


@given(st.integers(2, 1000), st.integers(1, 50))
def test_requests_after_a_quiet_spell_pass_at_once(limit: int, weight: int) -> None:
    pool = RateLimit("p", limit, 60.0)
    weight = min(weight, pool.burst_weight)
    at, _ = reserve([0.0], [Charge(pool, weight)], 1_000_000)
    assert at == 1_000_000


def test_linked_pools_are_admitted_at_one_instant() -> None:
    fast = RateLimit("fast", 1000, 1.0, burst=10)
    slow = RateLimit("slow", 10, 60.0, burst=1)
    at, (fast_tat, slow_tat) = reserve([0.0, 120_000.0], [Charge(fast, 1), Charge(slow, 1)], 0)
    # The slow pool decides; the fast pool is charged at that same instant.
    assert at == 120_000
    assert fast_tat == 120_000 + fast.emission_ms
    assert slow_tat == 120_000 + slow.emission_ms
