"""The cache contract: every backend behaves the same (memory twin and Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.cache.port import Cache
from simbiot.cache.redis import RedisCache
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import DataError


@dataclass
class Backend:
    """A cache under test and a way to let its time pass."""

    name: str
    cache: Cache
    elapse: Callable[[float], Awaitable[None]]


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """Each contract test runs once per backend."""
    if request.param == "memory":
        clock = SimulatedClock(1_700_000_000_000)

        async def advance(seconds: float) -> None:
            clock.advance(seconds)

        yield Backend("memory", MemoryCache(clock=clock), advance)
        return
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix")
    cache = RedisCache.from_url(url, prefix=prefix)
    try:
        yield Backend("redis", cache, asyncio.sleep)
    finally:
        left = await cache.scan("")
        if left:
            await cache.delete(*left)
        await cache.close()


SYMBOL_KEY = CacheKeys.ohlcv("BTC/USDT", "1h", 1_700_000_000_000)


async def test_get_returns_what_set_stored_and_none_when_absent(backend: Backend) -> None:
    c = backend.cache
    assert await c.get(SYMBOL_KEY) is None
    await c.set(SYMBOL_KEY, b"\x00\xffbinary", None)
    assert await c.get(SYMBOL_KEY) == b"\x00\xffbinary"
    await c.set(SYMBOL_KEY, b"replaced", None)
    assert await c.get(SYMBOL_KEY) == b"replaced"


async def test_many_calls_keep_the_order_of_keys(backend: Backend) -> None:
    c = backend.cache
    items = {CacheKeys.ohlcv(f"S{i}/USDT", "1h", 0): f"v{i}".encode() for i in range(50)}
    await c.set_many(items, 60)
    keys = [*items, "missing"]
    keys.reverse()
    assert await c.get_many(keys) == [None, *(items[k] for k in keys[1:])]
    assert await c.get_many([]) == []
    await c.set_many({}, 60)


async def test_delete_counts_only_existing_keys(backend: Backend) -> None:
    c = backend.cache
    await c.set_many({"a": b"1", "b": b"2"}, None)
    assert await c.delete("a", "b", "c") == 2
    assert await c.delete() == 0
    assert not await c.exists("a")
    assert await c.get("b") is None


async def test_exists_and_ttl(backend: Backend) -> None:
    c = backend.cache
    await c.set("forever", b"1", None)
    await c.set("short", b"1", 30)
    assert await c.exists("forever")
    assert not await c.exists("nothing")
    assert await c.ttl("forever") is None
    assert await c.ttl("nothing") is None
    assert await c.ttl("short") == pytest.approx(30, abs=1)


async def test_values_expire_after_their_ttl(backend: Backend) -> None:
    c = backend.cache
    await c.set("k", b"v", 0.2)
    await c.set_many({"m1": b"1", "m2": b"2"}, 0.2)
    await c.set("stays", b"v", None)
    assert await c.get("k") == b"v"
    await backend.elapse(0.35)
    assert await c.get("k") is None
    assert await c.get_many(["m1", "m2", "stays"]) == [None, None, b"v"]
    assert not await c.exists("m1")
    assert await c.scan("") == ["stays"]


async def test_incr_creates_counts_and_expires(backend: Backend) -> None:
    c = backend.cache
    key = CacheKeys.rate_limit("mexc-ip")
    assert await c.incr(key) == 1
    assert await c.incr(key, 5) == 6
    assert await c.incr(key, -2) == 4
    assert await c.get(key) == b"4"
    window = "window"
    assert await c.incr(window, 1, ttl_s=0.2) == 1
    assert await c.incr(window, 1, ttl_s=100) == 2  # the TTL is set only at creation
    remaining = await c.ttl(window)
    assert remaining is not None
    assert remaining <= 0.2
    await backend.elapse(0.35)
    assert await c.incr(window, 1, ttl_s=0.2) == 1


async def test_incr_on_a_non_integer_is_a_data_error(backend: Backend) -> None:
    await backend.cache.set("text", b"abc", None)
    with pytest.raises(DataError):
        await backend.cache.incr("text")


async def test_scan_finds_exactly_the_prefixed_keys(backend: Backend) -> None:
    c = backend.cache
    problems = [CacheKeys.symbol_problem("mexc", f"P{i}/USDT") for i in range(1_500)]
    await c.set_many(dict.fromkeys(problems, b"1"), 60)
    await c.set(CacheKeys.symbol_problem("mexc2", "X/USDT"), b"1", 60)
    await c.set(CacheKeys.symbol_problem("mexc", "A*?[x]/USDT"), b"1", 60)
    found = await c.scan(CacheKeys.symbol_problems_prefix("mexc"))
    assert len(found) == 1_501
    assert found == sorted(found)
    assert CacheKeys.symbol_problem("mexc2", "X/USDT") not in found
    assert await c.scan("no-such-prefix:") == []


async def test_glob_characters_in_a_prefix_match_literally(backend: Backend) -> None:
    c = backend.cache
    await c.set("a*b:1", b"1", None)
    await c.set("axb:1", b"1", None)
    await c.set("a?b:1", b"1", None)
    assert await c.scan("a*b") == ["a*b:1"]
    assert await c.scan("a?b") == ["a?b:1"]


async def test_non_positive_ttl_is_refused(backend: Backend) -> None:
    with pytest.raises(ValueError):
        await backend.cache.set("k", b"v", 0)
    with pytest.raises(ValueError):
        await backend.cache.set_many({"k": b"v"}, -1)


async def test_ping(backend: Backend) -> None:
    assert await backend.cache.ping()
