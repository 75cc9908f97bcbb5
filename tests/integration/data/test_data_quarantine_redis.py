from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simbiot.cache.keys import CacheKeys
from simbiot.cache.redis import RedisCache
from simbiot.data.audit import MemoryQuarantineAudit
from simbiot.data.quarantine import Quarantine
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import NetworkError


@pytest.fixture
async def redis_cache(redis_url: str, redis_prefix: str) -> AsyncIterator[RedisCache]:
    cache = RedisCache.from_url(redis_url, prefix=redis_prefix)
    yield cache
    await cache.delete(*(await cache.scan("")))
    await cache.close()


@pytest.mark.redis
async def test_quarantine_shared_through_redis(redis_cache: RedisCache) -> None:
    clock = SimulatedClock(1_700_000_000_000)
    a = Quarantine(redis_cache, clock, 60, 2, MemoryQuarantineAudit(), exchange="mexc")
    b = Quarantine(redis_cache, clock, 60, 2, MemoryQuarantineAudit(), exchange="mexc")
    await a.record_failure("X/USDT", NetworkError("t"))
    assert await b.record_failure("X/USDT", NetworkError("t"))
    assert await a.available(["X/USDT", "Y/USDT"]) == ["Y/USDT"]
    assert list(await a.entries()) == ["X/USDT"]
    ttl = await redis_cache.ttl(CacheKeys.symbol_problem("mexc", "X/USDT"))
    assert ttl is not None
    assert 50 < ttl <= 60
