"""The in-memory cache's own behaviour: LRU bound and clock-driven expiry."""

from __future__ import annotations

import asyncio

import pytest

from simbiot.cache.memory import MemoryCache
from simbiot.domain.clock import SimulatedClock


async def test_lru_evicts_least_recently_used_past_the_bound() -> None:
    cache = MemoryCache(max_entries=3, clock=SimulatedClock())
    for k in ("a", "b", "c"):
        await cache.set(k, k.encode(), None)
    assert await cache.get("a") == b"a"  # a becomes most recent; b is now the oldest
    await cache.set("d", b"d", None)
    assert await cache.get_many(["a", "b", "c", "d"]) == [b"a", None, b"c", b"d"]
    assert len(cache) == 3
    assert cache.evictions == 1


async def test_size_never_exceeds_the_bound_under_many_writes() -> None:
    cache = MemoryCache(max_entries=100)
    await cache.set_many({f"k{i}": b"v" for i in range(1_000)}, None)
    assert len(cache) == 100
    assert await cache.scan("k") == [f"k{i}" for i in range(900, 1_000)]


async def test_expiry_follows_the_injected_clock_not_wall_time() -> None:
    clock = SimulatedClock(1_000_000)
    cache = MemoryCache(clock=clock)
    await cache.set("k", b"v", ttl_s=10)
    clock.advance(9.999)
    assert await cache.get("k") == b"v"
    assert await cache.ttl("k") == pytest.approx(0.001)
    clock.advance(0.001)
    assert await cache.get("k") is None
    assert len(cache) == 0  # expired entries are dropped, not kept around


async def test_incr_keeps_the_ttl_set_at_creation() -> None:
    clock = SimulatedClock()
    cache = MemoryCache(clock=clock)
    assert await cache.incr("n", 1, ttl_s=5) == 1
    clock.advance(3)
    assert await cache.incr("n", 1, ttl_s=5) == 2
    assert await cache.ttl("n") == pytest.approx(2)
    clock.advance(2)
    assert await cache.incr("n", 1, ttl_s=5) == 1


async def test_concurrent_increments_never_lose_an_update() -> None:
    cache = MemoryCache()
    await asyncio.gather(*(cache.incr("n") for _ in range(500)))
    assert await cache.get("n") == b"500"


async def test_close_drops_everything() -> None:
    cache = MemoryCache()
    await cache.set("k", b"v", None)
    await cache.close()
    assert len(cache) == 0
    assert await cache.ping()


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        MemoryCache(max_entries=0)
