"""Redis-only behaviour of the Streams bus: wire format, foreign entries, outages."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from simbiot.bus import topics
from simbiot.bus.consumer import Consumer
from simbiot.bus.envelope import Envelope
from simbiot.bus.redis_streams import RedisStreamsBus
from simbiot.config.sections import BusSettings
from simbiot.domain.errors import CacheUnavailable, DataError
from simbiot.observability.metrics import Metrics

TOPIC = topics.orders(7)


@pytest.fixture
async def bus(redis_url: str, redis_prefix: str) -> AsyncIterator[RedisStreamsBus]:
    settings = BusSettings(
        backend="redis", redis_url=redis_url, stream_prefix=redis_prefix, claim_idle_ms=100
    )
    b = RedisStreamsBus(settings, metrics=Metrics().bus())
    yield b
    keys = [k async for k in b.client.scan_iter(match=redis_prefix + "*")]
    if keys:
        await b.client.delete(*keys)
    await b.close()


async def test_stream_and_group_are_real_redis_objects(
    bus: RedisStreamsBus, redis_prefix: str
) -> None:
    await bus.subscribe(TOPIC, group="trader", consumer="t1")
    await bus.publish(TOPIC, {"order": 1}, type="order.filled")
    key = bus.stream_key(TOPIC)
    assert key == redis_prefix + "orders.7"
    groups = await bus.client.xinfo_groups(key)
    assert [g["name"] for g in groups] == [b"trader"]
    assert await bus.client.xlen(key) == 1


async def test_an_entry_without_the_envelope_field_is_skipped_and_acked(
    bus: RedisStreamsBus,
) -> None:
    sub = await bus.subscribe(TOPIC, group="g", consumer="c1")
    await bus.client.xadd(bus.stream_key(TOPIC), {b"other": b"x"})
    sent = await bus.publish(TOPIC, {}, type="order.filled")
    got = await sub.fetch(10, block_ms=0)
    assert [d.envelope.id for d in got] == [sent.id]
    pending = await bus.client.xpending(bus.stream_key(TOPIC), "g")
    assert pending["pending"] == 1  # only the good one waits for its ack
    await got[0].ack()
    pending = await bus.client.xpending(bus.stream_key(TOPIC), "g")
    assert pending["pending"] == 0


async def test_a_block_longer_than_the_socket_timeout_is_shortened(
    redis_url: str, redis_prefix: str
) -> None:
    settings = BusSettings(
        backend="redis", redis_url=redis_url, stream_prefix=redis_prefix, socket_timeout_s=1.5
    )
    bus = RedisStreamsBus(settings)
    try:
        sub = await bus.subscribe("orders.block-test", group="g", consumer="c")
        assert await sub.fetch(1, block_ms=60_000) == []  # returns after ~1 s, no timeout error
    finally:
        await bus.client.delete(bus.stream_key("orders.block-test"))
        await bus.close()


async def test_redis_down_is_cache_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bus = RedisStreamsBus(
        BusSettings(backend="redis", redis_url=f"redis://127.0.0.1:{port}/0", connect_timeout_s=0.5)
    )
    try:
        with pytest.raises(CacheUnavailable):
            await bus.publish(TOPIC, {}, type="x")
        with pytest.raises(CacheUnavailable):
            await bus.subscribe(TOPIC, group="g", consumer="c")
    finally:
        await bus.close()


async def test_a_non_stream_key_under_the_topic_is_reported_not_hidden(
    bus: RedisStreamsBus,
) -> None:
    await bus.client.set(bus.stream_key(TOPIC), b"not a stream")
    with pytest.raises(DataError):
        await bus.subscribe(TOPIC, group="g", consumer="c")


async def test_stream_length_helper(bus: RedisStreamsBus) -> None:
    await bus.subscribe(TOPIC, group="g", consumer="c")
    for _ in range(3):
        await bus.publish(TOPIC, {}, type="x")
    assert await bus.stream_length(TOPIC) == 3
    assert isinstance(bus.client, aioredis.Redis)


async def test_consumer_parks_a_poison_message_on_redis(bus: RedisStreamsBus) -> None:
    async def broken(env: Envelope) -> None:
        raise RuntimeError("always")

    settings = bus.settings.model_copy(update={"max_deliveries": 1})
    sub = await bus.subscribe(TOPIC, group="g", consumer="c1")
    dead = await bus.subscribe(topics.dead_letter(TOPIC), group="ops", consumer="o1")
    consumer = Consumer(bus, sub, broken, settings=settings)
    sent = await bus.publish(TOPIC, {"n": 1}, type="order.filled")
    assert await consumer.run_once(block_ms=0) == 0
    await asyncio.sleep(0.15)
    assert await consumer.run_once(block_ms=0) == 0
    (parked,) = await dead.fetch(block_ms=0)
    assert parked.envelope.payload["envelope"]["id"] == sent.id
    assert parked.envelope.payload["attempts"] == 2
    assert parked.envelope.payload["error"] == "RuntimeError: always"
    pending = await bus.client.xpending(bus.stream_key(TOPIC), "g")
    assert pending["pending"] == 0
