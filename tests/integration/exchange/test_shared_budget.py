"""Two processes on one IP (two registries, each with its own Redis limiter instance) keep
to one venue budget together; with separate budgets the venue refuses them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from conftest import start_venue, venue_settings
from simbiot.config.sections import ExchangesSettings, RateLimitSettings
from simbiot.domain.clock import LiveClock
from simbiot.domain.errors import RateLimited
from simbiot.exchange.clients import ClientRegistry
from simbiot.exchange.throttle import RedisRateLimiter

pytestmark = [pytest.mark.redis, pytest.mark.slow]

LIMIT = 100
DURATION_S = 20.0


@pytest.fixture
async def redis_client(redis_url: str, redis_prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    keys = [k async for k in client.scan_iter(match=f"{redis_prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def _hammer(redis_client: Redis, prefixes: tuple[str, str]) -> tuple[list[int], int]:
    """Run two registries against one simulator; return its statuses and total weight."""
    venue, server = await start_venue(ip_weight_per_minute=LIMIT)
    clock = LiveClock()
    settings = venue_settings(
        venue.base_url, rate_limit=RateLimitSettings(ip_weight_per_minute=LIMIT)
    )
    registries = [
        ClientRegistry(
            ExchangesSettings(default="mexc", venues={"mexc": settings}),
            RedisRateLimiter(redis_client, prefix, clock),
            clock,
        )
        for prefix in prefixes
    ]

    async def caller(registry: ClientRegistry) -> None:
        md = registry.market_data("mexc")
        while True:
            try:
                await md.fetch_ohlcv("BTC/USDT", "1m", limit=5)
            except RateLimited:
                await asyncio.sleep(0.5)

    tasks = [asyncio.create_task(caller(r)) for r in registries for _ in range(10)]
    try:
        await asyncio.sleep(DURATION_S)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for registry in registries:
            await registry.close_all()
        await venue.registry.close_all()
        await server.stop()
    return [r.status for r in server.records], sum(
        r.weight for r in server.records if r.status == 200
    )


async def test_one_shared_budget_is_never_exceeded(redis_client: Redis, redis_prefix: str) -> None:
    statuses, weight = await _hammer(redis_client, (redis_prefix, redis_prefix))
    assert 429 not in statuses
    assert 418 not in statuses
    # One burst (40) for both, then 61 per 61 s; both market loads (10 each) are in it.
    expected = 40 + 61 * DURATION_S / 61
    assert 0.9 * expected <= weight <= expected + 1


async def test_separate_budgets_are_refused_by_the_venue(
    redis_client: Redis, redis_prefix: str
) -> None:
    statuses, _ = await _hammer(redis_client, (redis_prefix + "a:", redis_prefix + "b:"))
    assert 429 in statuses or 418 in statuses
