"""Redis-only behaviour: key prefix, bounded pool, metrics, and outages as CacheUnavailable."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from simbiot.cache.redis import RedisCache
from simbiot.config.sections import CacheSettings
from simbiot.domain.errors import CacheUnavailable, DataError
from simbiot.observability.metrics import Metrics


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def _drop(raw: aioredis.Redis, prefix: str) -> None:
    keys = [k async for k in raw.scan_iter(match=prefix + "*")]
    if keys:
        await raw.delete(*keys)


async def test_keys_live_under_the_configured_prefix(
    redis_url: str, redis_prefix: str, raw: aioredis.Redis
) -> None:
    cache = RedisCache.from_url(redis_url, prefix=redis_prefix)
    other = RedisCache.from_url(redis_url, prefix=redis_prefix + "other:")
    try:
        await cache.set("ohlcv:BTC/USDT:1h:0", b"v", 60)
        assert await raw.get(redis_prefix + "ohlcv:BTC/USDT:1h:0") == b"v"
        assert await other.get("ohlcv:BTC/USDT:1h:0") is None
        assert await other.scan("") == []
    finally:
        await _drop(raw, redis_prefix)
        await cache.close()
        await other.close()


async def test_a_wrong_type_under_a_key_is_a_data_error(
    redis_url: str, redis_prefix: str, raw: aioredis.Redis
) -> None:
    cache = RedisCache.from_url(redis_url, prefix=redis_prefix)
    try:
        await raw.rpush(redis_prefix + "list", b"x")
        with pytest.raises(DataError):
            await cache.get("list")
    finally:
        await _drop(raw, redis_prefix)
        await cache.close()


async def test_pool_is_bounded_and_reported(
    redis_url: str, redis_prefix: str, raw: aioredis.Redis
) -> None:
    metrics = Metrics()
    settings = CacheSettings(
        backend="redis", redis_url=redis_url, key_prefix=redis_prefix, max_connections=3
    )
    cache = RedisCache(settings, metrics=metrics.cache())
    try:
        await cache.set("k", b"v", 60)
        results = await asyncio.gather(*(cache.get("k") for _ in range(50)))
        assert results == [b"v"] * 50
        in_use = metrics.registry.get_sample_value("simbiot_cache_pool_in_use")
        idle = metrics.registry.get_sample_value("simbiot_cache_pool_available")
        assert in_use is not None
        assert idle is not None
        assert 1 <= in_use + idle <= 3
    finally:
        await _drop(raw, redis_prefix)
        await cache.close()


async def test_refused_connection_is_cache_unavailable() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = RedisCache(
        CacheSettings(
            backend="redis", redis_url=f"redis://127.0.0.1:{port}/0", connect_timeout_s=0.5
        )
    )
    try:
        for call in (cache.get("k"), cache.set("k", b"v", 1), cache.scan(""), cache.incr("n")):
            with pytest.raises(CacheUnavailable):
                await call
        assert not await cache.ping()
    finally:
        await cache.close()


async def test_a_server_that_never_answers_is_cache_unavailable_within_the_timeout() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        accepted.append(w)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    cache = RedisCache(
        CacheSettings(
            backend="redis", redis_url=f"redis://127.0.0.1:{port}/0", socket_timeout_s=0.2
        )
    )
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        with pytest.raises(CacheUnavailable):
            await cache.get_many(["a", "b"])
        assert loop.time() - start < 2.0  # one timeout plus one quick retry, not 5 s defaults
    finally:
        await cache.close()
        for w in accepted:
            w.close()
        server.close()
        await server.wait_closed()
