"""GCRA verdicts: a full burst, then one request per emission interval; refusals change
nothing; the in-memory counter forgets idle pools."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simbiot.api.limits.gcra import MemoryRateCounter, decide
from simbiot.api.limits.rate import rate_headers


def test_a_fresh_pool_admits_the_whole_limit_then_refuses() -> None:
    tat = 0.0
    verdicts = []
    for _ in range(6):
        d, tat = decide(tat, 5, 60.0, 1_000_000)
        verdicts.append((d.allowed, d.remaining))
    assert verdicts == [(True, 4), (True, 3), (True, 2), (True, 1), (True, 0), (False, 0)]


def test_a_refusal_says_when_to_come_back_and_changes_nothing() -> None:
    tat = 0.0
    now = 1_000_000
    for _ in range(5):
        _, tat = decide(tat, 5, 60.0, now)
    refused, after = decide(tat, 5, 60.0, now)
    assert not refused.allowed
    assert after == tat
    assert refused.retry_after_s == pytest.approx(12.0)
    assert refused.reset_after_s == pytest.approx(60.0)
    # One emission interval later exactly one more request fits.
    ok, tat = decide(tat, 5, 60.0, now + 12_000)
    assert ok.allowed
    again, _ = decide(tat, 5, 60.0, now + 12_000)
    assert not again.allowed


@given(
    limit=st.integers(1, 500),
    gaps=st.lists(st.integers(0, 5_000), min_size=1, max_size=300),
)
def test_no_window_ever_admits_more_than_the_limit(limit: int, gaps: list[int]) -> None:
    tat, now = 0.0, 10_000_000
    admitted: list[int] = []
    for gap in gaps:
        now += gap
        d, tat = decide(tat, limit, 60.0, now)
        if d.allowed:
            admitted.append(now)
        assert 0 <= d.remaining < limit
    for i, start in enumerate(admitted):
        inside = [t for t in admitted[i:] if t < start + 60_000]
        assert len(inside) <= limit


def test_headers_of_an_admission_and_a_refusal() -> None:
    tat = 0.0
    ok, tat = decide(tat, 2, 60.0, 0)
    assert dict(rate_headers(ok)) == {
        b"x-ratelimit-limit": b"2",
        b"x-ratelimit-remaining": b"1",
        b"x-ratelimit-reset": b"30",
    }
    _, tat = decide(tat, 2, 60.0, 0)
    refused, _ = decide(tat, 2, 60.0, 0)
    headers = dict(rate_headers(refused))
    assert headers[b"retry-after"] == str(math.ceil(refused.retry_after_s)).encode()
    assert headers[b"x-ratelimit-remaining"] == b"0"


async def test_memory_pools_are_separate_and_bounded() -> None:
    counter = MemoryRateCounter(max_pools=3)
    assert (await counter.hit("a", 1, 60.0, 0)).allowed
    assert not (await counter.hit("a", 1, 60.0, 0)).allowed
    assert (await counter.hit("b", 1, 60.0, 0)).allowed
    # Much later every pool is idle: the table is trimmed when it overflows.
    for name in ("c", "d", "e"):
        assert (await counter.hit(name, 1, 60.0, 120_000)).allowed
    assert len(counter._tats) <= 3
    assert (await counter.hit("a", 1, 60.0, 120_000)).allowed
    await counter.aclose()
