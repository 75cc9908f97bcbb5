"""The blacklist and a whole signal cycle on the real Redis (cache and Streams bus)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from blacklist_cases import CASES
from signal_frames import random_frame

from simbiot.bus import topics
from simbiot.bus.redis_streams import RedisStreamsBus
from simbiot.cache.keys import CacheKeys
from simbiot.cache.redis import RedisCache
from simbiot.cache.store import CacheStore
from simbiot.config.sections import BusSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.signals import (
    Blacklist,
    IndicatorCache,
    SignalEngine,
    SignalInputs,
    SignalService,
    StrategyConfig,
    StrategyRegistry,
    Subscription,
)
from simbiot.storage.database import Database
from simbiot.storage.repositories import signals as repo
from simbiot.storage.repositories.signals import DatabaseSignalRecorder

pytestmark = pytest.mark.redis
Case = Callable[[CacheStore, SimulatedClock], Awaitable[None]]


@pytest.fixture
async def redis_cache(redis_url: str, redis_prefix: str) -> AsyncIterator[RedisCache]:
    cache = RedisCache.from_url(redis_url, prefix=redis_prefix)
    yield cache
    keys = await cache.scan("")
    if keys:
        await cache.delete(*keys)
    await cache.close()


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
async def test_blacklist_on_redis(case: Case, redis_cache: RedisCache) -> None:
    await case(CacheStore(redis_cache), SimulatedClock(1_700_000_000_000))


async def test_blacklist_entries_carry_a_redis_ttl(redis_cache: RedisCache) -> None:
    bl = Blacklist(CacheStore(redis_cache), SimulatedClock(0))
    await bl.add("X/USDT", "r", ttl_s=90)
    ttl = await redis_cache.ttl(CacheKeys.blacklist("global", "X/USDT"))
    assert ttl is not None
    assert 80 < ttl <= 90


async def test_signal_cycle_on_redis_and_database(
    redis_cache: RedisCache, redis_url: str, redis_prefix: str, database: Database
) -> None:
    clock = SimulatedClock(1_700_000_000_000)
    store = CacheStore(redis_cache)
    bus = RedisStreamsBus(
        BusSettings(backend="redis", redis_url=redis_url, stream_prefix=redis_prefix)
    )
    try:
        cfg = StrategyConfig("trend_ema_adx", {"adx_min": 0.0, "fast": 5, "slow": 15})
        sub = await bus.subscribe(topics.signals(cfg.config_id), group="trader", consumer="t1")
        engine = SignalEngine(StrategyRegistry.with_builtins(), IndicatorCache())
        service = SignalService(
            engine, Blacklist(store, clock), store, bus, DatabaseSignalRecorder(database), clock
        )
        inputs = SignalInputs(random_frame(60, 200, seed=21, vol=0.03))
        result = await service.run_cycle(inputs, [Subscription(u, cfg) for u in range(100)])
        assert result.errors == {}
        assert result.signal_count > 0
        deliveries = await sub.fetch(10, block_ms=100)
        assert len(deliveries) == 1
        assert deliveries[0].envelope.payload == await store.get_json(
            CacheKeys.signals(cfg.config_id)
        )
        await sub.ack_many(deliveries)
        async with database.transaction() as session:
            stored = await repo.list_for_config(session, config_id=cfg.config_id)
        assert sorted(stored, key=lambda s: (s.symbol, s.side)) == sorted(
            result.signals[cfg.config_id], key=lambda s: (s.symbol, s.side)
        )
        assert len(result.per_user) == 100
    finally:
        keys = [k async for k in bus.client.scan_iter(match=redis_prefix + "*")]
        if keys:
            await bus.client.delete(*keys)
        await bus.close()
