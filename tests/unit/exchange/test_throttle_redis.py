from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import numpy as np
import pytest
from redis.asyncio import Redis

from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import StorageError
from simbiot.exchange.throttle import LinkedLimit, RateLimit, RedisRateLimiter

if TYPE_CHECKING:
    from conftest import EventClock

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis_client(redis_url: str, redis_prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    keys = [k async for k in client.scan_iter(match=f"{redis_prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def _max_window(log: list[tuple[int, int]], window_ms: int) -> int:
    t = np.asarray(sorted(x for x, _ in log), dtype=np.int64)
    w = np.asarray([w for _, w in sorted(log)], dtype=np.int64)
    csum = np.concatenate([[0], np.cumsum(w)])
    start = np.searchsorted(t, t - window_ms + 1, side="left")
    end = np.searchsorted(t, t, side="right")
    return int((csum[end] - csum[start]).max())


async def test_two_instances_share_one_budget(
    redis_client: Redis, redis_prefix: str, event_clock: EventClock
) -> None:
    limits = (RateLimit("ip", 120, 60.0), RateLimit("acct", 100, 60.0, linked=(LinkedLimit("ip"),)))
    one = RedisRateLimiter(redis_client, redis_prefix, event_clock)
    two = RedisRateLimiter(redis_client, redis_prefix, event_clock)
    one.register(*limits)
    two.register(*limits)
    log: list[tuple[int, int]] = []
    horizon = 4 * 60_000

    async def worker(limiter: RedisRateLimiter, limit_id: str, seed: int) -> None:
        rng = random.Random(seed)
        while event_clock.now_ms() < horizon:
            w = rng.randint(1, 3)
            await limiter.acquire(limit_id, w)
            log.append((event_clock.now_ms(), w))

    await event_clock.run(
        *(worker(one, "ip", s) for s in range(4)),
        *(worker(two, "acct", 10 + s) for s in range(4)),
    )
    assert _max_window(log, 60_000) <= 120
    assert sum(w for t, w in log if t < horizon) >= 0.9 * 120 * 4
    # Keys live under the prefix only and expire.
    keys = [k async for k in redis_client.scan_iter(match=f"{redis_prefix}*")]
    assert keys
    for key in keys:
        assert await redis_client.pttl(key) > 0


async def test_block_is_seen_by_the_other_instance(redis_client: Redis, redis_prefix: str) -> None:
    clock = SimulatedClock(10_000)
    one = RedisRateLimiter(redis_client, redis_prefix, clock)
    two = RedisRateLimiter(redis_client, redis_prefix, clock)
    for lim in (one, two):
        lim.register(RateLimit("ip", 1200, 60.0))
    await one.block("ip", 12.0)
    assert await two.acquire("ip") >= 12.0
    # An earlier block never shortens a later one.
    await one.block("ip", 1.0)
    assert clock.now_ms() >= 22_000


async def test_redis_failure_becomes_storage_error(redis_prefix: str) -> None:
    broken = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    limiter = RedisRateLimiter(broken, redis_prefix, SimulatedClock())
    limiter.register(RateLimit("ip", 10, 1.0))
    with pytest.raises(StorageError):
        await limiter.acquire("ip")
    await broken.aclose()
