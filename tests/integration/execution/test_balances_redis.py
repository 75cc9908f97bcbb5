"""Balance cache shared through the real Redis server."""

from __future__ import annotations

from decimal import Decimal

from simbiot.cache.redis import RedisCache
from simbiot.domain.clock import SimulatedClock
from simbiot.execution.balances import BalanceCache


async def test_two_replicas_share_a_balance_through_redis(
    redis_url: str, redis_prefix: str
) -> None:
    calls: list[int] = []

    async def fetch(user_id: int, account_ref: str) -> Decimal:
        calls.append(user_id)
        return Decimal("123.456789")

    redis = RedisCache.from_url(redis_url, prefix=redis_prefix)
    try:
        a = BalanceCache(fetch, SimulatedClock(0), ttl_s=30, cache=redis)
        b = BalanceCache(fetch, SimulatedClock(0), ttl_s=30, cache=redis)
        assert await a.free(9, "acct:1") == Decimal("123.456789")
        assert await b.free(9, "acct:1") == Decimal("123.456789")
        assert calls == [9]
        await a.invalidate(9, "acct:1")
        c = BalanceCache(fetch, SimulatedClock(0), ttl_s=30, cache=redis)
        await c.free(9, "acct:1")
        assert calls == [9, 9]
    finally:
        for key in await redis.scan(""):
            await redis.delete(key)
        await redis.close()
