"""The Redis rate counter: the same verdicts as the in-memory one, shared by two clients
(two API replicas), and CacheUnavailable when Redis cannot be reached."""

from __future__ import annotations

import pytest

from simbiot.api.limits.gcra import MemoryRateCounter, RedisRateCounter
from simbiot.cache.redis_support import make_client
from simbiot.domain.errors import CacheUnavailable


def _counter(url: str, prefix: str) -> RedisRateCounter:
    client = make_client(
        url, max_connections=4, socket_timeout_s=2, connect_timeout_s=1, pool_timeout_s=2
    )
    return RedisRateCounter(client, prefix)


async def test_redis_and_memory_agree(redis_url: str, redis_prefix: str) -> None:
    redis = _counter(redis_url, redis_prefix)
    memory = MemoryRateCounter()
    try:
        now = 1_700_000_000_000
        for step in range(40):
            t = now + step * 900
            a = await redis.hit("ratelimit:p", 10, 60.0, t)
            b = await memory.hit("ratelimit:p", 10, 60.0, t)
            assert (a.allowed, a.remaining) == (b.allowed, b.remaining)
            assert a.retry_after_s == pytest.approx(b.retry_after_s, abs=1e-3)
    finally:
        await redis.aclose()


async def test_two_replicas_share_one_pool(redis_url: str, redis_prefix: str) -> None:
    first, second = _counter(redis_url, redis_prefix), _counter(redis_url, redis_prefix)
    try:
        now = 1_700_000_000_000
        verdicts = [
            (await (first if i % 2 else second).hit("ratelimit:u1", 4, 60.0, now)).allowed
            for i in range(6)
        ]
        assert verdicts == [True, True, True, True, False, False]
        other = await first.hit("ratelimit:u2", 4, 60.0, now)
        assert other.allowed
    finally:
        await first.aclose()
        await second.aclose()


async def test_an_unreachable_redis_is_cache_unavailable() -> None:
    counter = _counter("redis://127.0.0.1:1/0", "x:")
    try:
        with pytest.raises(CacheUnavailable):
            await counter.hit("ratelimit:p", 1, 60.0, 0)
    finally:
        await counter.aclose()
