"""The bus contract: consumer-group semantics identical on the memory twin and Redis Streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from simbiot.bus import topics
from simbiot.bus.memory import MemoryBus
from simbiot.bus.redis_streams import RedisStreamsBus
from simbiot.config.sections import BusSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.observability.metrics import Metrics

CLAIM_IDLE_MS = 100
MAXLEN = 100
TOPIC = topics.candles_closed("mexc", "1h")


@dataclass
class Backend:
    """A bus under test, its metrics, and a way to let its time pass."""

    name: str
    bus: MemoryBus | RedisStreamsBus
    metrics: Metrics
    elapse: Callable[[float], Awaitable[None]]

    def sample(self, name: str, topic: str = "candles.closed") -> float:
        return self.metrics.registry.get_sample_value(name, {"topic": topic}) or 0.0

    async def length(self, topic: str) -> int:
        if isinstance(self.bus, MemoryBus):
            return self.bus.stream_length(topic)
        return await self.bus.stream_length(topic)


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """Each contract test runs once per backend."""
    metrics = Metrics()
    if request.param == "memory":
        clock = SimulatedClock(1_700_000_000_000)

        async def advance(seconds: float) -> None:
            clock.advance(seconds)

        settings = BusSettings(claim_idle_ms=CLAIM_IDLE_MS, stream_maxlen=MAXLEN, block_ms=50)
        yield Backend("memory", MemoryBus(settings, clock, metrics=metrics.bus()), metrics, advance)
        return
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix") + "bus:"
    settings = BusSettings(
        backend="redis",
        redis_url=url,
        stream_prefix=prefix,
        claim_idle_ms=CLAIM_IDLE_MS,
        stream_maxlen=MAXLEN,
        block_ms=50,
    )
    bus = RedisStreamsBus(settings, metrics=metrics.bus())
    try:
        yield Backend("redis", bus, metrics, asyncio.sleep)
    finally:
        raw = aioredis.Redis.from_url(url)
        keys = [k async for k in raw.scan_iter(match=prefix + "*")]
        if keys:
            await raw.delete(*keys)
        await raw.aclose()
        await bus.close()


async def _publish(b: Backend, n: int, topic: str = TOPIC) -> list[str]:
    ids = []
    for i in range(n):
        env = await b.bus.publish(topic, {"i": i}, type="candles.closed")
        ids.append(env.id)
    return ids


async def test_every_group_gets_every_message(backend: Backend) -> None:
    analyzer = await backend.bus.subscribe(TOPIC, group="analyzer", consumer="a1")
    recorder = await backend.bus.subscribe(TOPIC, group="recorder", consumer="r1")
    ids = await _publish(backend, 5)
    for sub in (analyzer, recorder):
        got = await sub.fetch(10, block_ms=0)
        assert [d.envelope.id for d in got] == ids
        assert [d.envelope.payload["i"] for d in got] == [0, 1, 2, 3, 4]
        assert all(d.attempts == 1 for d in got)
        assert all(d.envelope.topic == TOPIC for d in got)
    assert backend.sample("simbiot_bus_published_total") == 5
    assert backend.sample("simbiot_bus_delivered_total") == 10


async def test_a_new_group_starts_at_new_messages(backend: Backend) -> None:
    await _publish(backend, 3)
    sub = await backend.bus.subscribe(TOPIC, group="late", consumer="c1")
    assert await sub.fetch(10, block_ms=0) == []
    ids = await _publish(backend, 1)
    assert [d.envelope.id for d in await sub.fetch(10, block_ms=0)] == ids


async def test_subscribing_again_keeps_the_groups_position(backend: Backend) -> None:
    first = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    ids = await _publish(backend, 2)
    again = await backend.bus.subscribe(TOPIC, group="g", consumer="c2")
    assert [d.envelope.id for d in await again.fetch(10, block_ms=0)] == ids
    assert await first.fetch(10, block_ms=0) == []


async def test_competing_consumers_split_a_groups_messages(backend: Backend) -> None:
    c1 = await backend.bus.subscribe(TOPIC, group="traders", consumer="t1")
    c2 = await backend.bus.subscribe(TOPIC, group="traders", consumer="t2")
    ids = await _publish(backend, 10)
    got1 = [d.envelope.id for d in await c1.fetch(4, block_ms=0)]
    got2 = [d.envelope.id for d in await c2.fetch(100, block_ms=0)]
    assert len(got1) == 4
    assert len(got2) == 6
    assert not set(got1) & set(got2)
    assert sorted(got1 + got2) == sorted(ids)


async def test_ack_stops_redelivery(backend: Backend) -> None:
    c1 = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    c2 = await backend.bus.subscribe(TOPIC, group="g", consumer="c2")
    await _publish(backend, 3)
    for d in await c1.fetch(10, block_ms=0):
        await d.ack()
    await backend.elapse(CLAIM_IDLE_MS * 2 / 1000)
    assert await c2.fetch(10, block_ms=0) == []
    assert await c1.fetch(10, block_ms=0) == []
    assert backend.sample("simbiot_bus_acked_total") == 3


async def test_a_consumer_killed_mid_message_has_it_redelivered_to_another(
    backend: Backend,
) -> None:
    doomed = await backend.bus.subscribe(TOPIC, group="g", consumer="doomed")
    survivor = await backend.bus.subscribe(TOPIC, group="g", consumer="survivor")
    ids = await _publish(backend, 2)
    taken = await doomed.fetch(1, block_ms=0)
    assert [d.envelope.id for d in taken] == ids[:1]
    await doomed.close()  # dies without acking
    second = await survivor.fetch(10, block_ms=0)
    assert [d.envelope.id for d in second] == ids[1:]  # not yet stale: not re-claimed
    await second[0].ack()
    await backend.elapse(CLAIM_IDLE_MS * 1.5 / 1000)
    again = await survivor.fetch(10, block_ms=0)
    assert [d.envelope.id for d in again] == ids[:1]
    assert again[0].attempts == 2
    assert again[0].envelope == taken[0].envelope
    assert backend.sample("simbiot_bus_reclaimed_total") == 1
    await again[0].ack()
    await backend.elapse(CLAIM_IDLE_MS * 1.5 / 1000)
    assert await survivor.fetch(10, block_ms=0) == []


async def test_attempts_grow_with_each_reclaim(backend: Backend) -> None:
    c1 = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    c2 = await backend.bus.subscribe(TOPIC, group="g", consumer="c2")
    await _publish(backend, 1)
    assert [d.attempts for d in await c1.fetch(1, block_ms=0)] == [1]
    await backend.elapse(CLAIM_IDLE_MS * 1.5 / 1000)
    assert [d.attempts for d in await c2.fetch(1, block_ms=0)] == [2]
    await backend.elapse(CLAIM_IDLE_MS * 1.5 / 1000)
    assert [d.attempts for d in await c1.fetch(1, block_ms=0)] == [3]


async def test_stream_length_is_bounded(backend: Backend) -> None:
    sub = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    await _publish(backend, MAXLEN * 10)
    length = await backend.length(TOPIC)
    # Redis trims whole radix-tree nodes (MAXLEN ~), so it may keep up to one node more.
    assert MAXLEN <= length <= MAXLEN * 2
    got = await sub.fetch(MAXLEN * 10, block_ms=0)
    assert len(got) == length
    assert got[-1].envelope.payload["i"] == MAXLEN * 10 - 1


async def test_malformed_entries_are_skipped_acked_and_counted(backend: Backend) -> None:
    sub = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    await backend.bus.publish_raw(TOPIC, b"not json at all")
    await backend.bus.publish_raw(TOPIC, b'{"schema": 99}')
    good = await _publish(backend, 1)
    got = await sub.fetch(10, block_ms=0)
    assert [d.envelope.id for d in got] == good
    assert backend.sample("simbiot_bus_malformed_total") == 2
    await got[0].ack()
    await backend.elapse(CLAIM_IDLE_MS * 2 / 1000)
    assert await sub.fetch(10, block_ms=0) == []  # the bad ones were acked, never re-claimed


async def test_a_blocking_fetch_wakes_on_publish(backend: Backend) -> None:
    sub = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    loop = asyncio.get_running_loop()
    start = loop.time()
    waiting = asyncio.create_task(sub.fetch(10, block_ms=3_000))
    await asyncio.sleep(0.05)
    ids = await _publish(backend, 1)
    got = await waiting
    assert [d.envelope.id for d in got] == ids
    assert loop.time() - start < 2.0


async def test_a_blocking_fetch_returns_empty_after_its_wait(backend: Backend) -> None:
    sub = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await sub.fetch(10, block_ms=100) == []
    assert 0.08 <= loop.time() - start < 1.5


async def test_topics_are_independent(backend: Backend) -> None:
    other = topics.signals("cfg-1")
    a = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    b = await backend.bus.subscribe(other, group="g", consumer="c1")
    await _publish(backend, 2)
    await _publish(backend, 3, other)
    assert len(await a.fetch(10, block_ms=0)) == 2
    assert len(await b.fetch(10, block_ms=0)) == 3
    assert backend.sample("simbiot_bus_published_total", "signals") == 3


async def test_headers_and_versions_travel(backend: Backend) -> None:
    sub = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    sent = await backend.bus.publish(
        TOPIC, {"x": [1.5, None]}, type="candles.closed", version=3, headers={"trace": "t-1"}
    )
    (got,) = await sub.fetch(1, block_ms=0)
    assert got.envelope == sent


async def test_closed_subscription_refuses_to_fetch(backend: Backend) -> None:
    sub = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    await sub.close()
    with pytest.raises(RuntimeError):
        await sub.fetch()


async def test_bad_arguments_are_refused(backend: Backend) -> None:
    sub = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    with pytest.raises(ValueError):
        await sub.fetch(0)
    with pytest.raises(ValueError):
        await backend.bus.publish("bad topic", {}, type="x")


async def test_ack_many_acknowledges_a_batch_in_one_call(backend: Backend) -> None:
    c1 = await backend.bus.subscribe(TOPIC, group="g", consumer="c1")
    c2 = await backend.bus.subscribe(TOPIC, group="g", consumer="c2")
    await _publish(backend, 5)
    got = await c1.fetch(10, block_ms=0)
    assert len({d.message_id for d in got}) == 5
    assert await c1.ack_many(got[:4]) == 4
    assert await c1.ack_many(got[:4]) == 0  # already acknowledged
    assert await c1.ack_many([]) == 0
    await backend.elapse(CLAIM_IDLE_MS * 2 / 1000)
    again = await c2.fetch(10, block_ms=0)
    assert [d.message_id for d in again] == [got[4].message_id]
    assert backend.sample("simbiot_bus_acked_total") == 4
