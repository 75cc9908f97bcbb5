"""Balance cache: TTL, one fetch per account under concurrency, invalidation, shared cache."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import CacheUnavailable
from simbiot.execution.balances import BalanceCache


class Venue:
    def __init__(self) -> None:
        self.calls = 0
        self.value = Decimal("100")

    async def fetch(self, user_id: int, account_ref: str) -> Decimal:
        self.calls += 1
        await asyncio.sleep(0)
        return self.value + user_id


async def test_cached_until_ttl_then_refetched() -> None:
    clock, venue = SimulatedClock(0), Venue()
    cache = BalanceCache(venue.fetch, clock, ttl_s=5)
    assert await cache.free(1, "a") == Decimal("101")
    venue.value = Decimal("200")
    assert await cache.free(1, "a") == Decimal("101")
    clock.advance(6)
    assert await cache.free(1, "a") == Decimal("201")
    assert venue.calls == 2


async def test_concurrent_callers_share_one_fetch() -> None:
    venue = Venue()
    cache = BalanceCache(venue.fetch, SimulatedClock(0), ttl_s=5)
    values = await asyncio.gather(*(cache.free(7, "a") for _ in range(20)))
    assert set(values) == {Decimal("107")}
    assert venue.calls == 1
    assert cache.fetches == 1


async def test_invalidate_after_a_fill() -> None:
    venue = Venue()
    cache = BalanceCache(venue.fetch, SimulatedClock(0), ttl_s=60)
    await cache.free(1, "a")
    venue.value = Decimal("50")
    await cache.invalidate(1, "a")
    assert await cache.free(1, "a") == Decimal("51")


async def test_shared_cache_serves_other_replicas() -> None:
    shared, venue = MemoryCache(), Venue()
    first = BalanceCache(venue.fetch, SimulatedClock(0), ttl_s=30, cache=shared)
    second = BalanceCache(venue.fetch, SimulatedClock(0), ttl_s=30, cache=shared)
    assert await first.free(3, "a") == Decimal("103")
    assert await shared.get(CacheKeys.balance(3, "a")) == b"103"
    assert await second.free(3, "a") == Decimal("103")
    assert venue.calls == 1
    await second.invalidate(3, "a")
    assert await shared.get(CacheKeys.balance(3, "a")) is None


async def test_garbage_or_unreachable_cache_falls_back_to_the_venue() -> None:
    shared, venue = MemoryCache(), Venue()
    await shared.set(CacheKeys.balance(1, "a"), b"not a number", 30)
    cache = BalanceCache(venue.fetch, SimulatedClock(0), ttl_s=30, cache=shared)
    assert await cache.free(1, "a") == Decimal("101")

    class Down(MemoryCache):
        async def get(self, key: str) -> bytes | None:
            raise CacheUnavailable("redis down")

        async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
            raise CacheUnavailable("redis down")

        async def delete(self, *keys: str) -> int:
            raise CacheUnavailable("redis down")

    down = BalanceCache(venue.fetch, SimulatedClock(0), ttl_s=30, cache=Down())
    assert await down.free(2, "a") == Decimal("102")
    await down.invalidate(2, "a")
