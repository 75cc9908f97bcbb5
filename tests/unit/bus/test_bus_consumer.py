"""The consumer loop: ack on success, retry on failure, dead-letter poison, wait out outages."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from simbiot.bus import topics
from simbiot.bus.consumer import Consumer
from simbiot.bus.envelope import Envelope
from simbiot.bus.memory import MemoryBus
from simbiot.bus.port import Delivery
from simbiot.config.sections import BusSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import CacheUnavailable
from simbiot.observability.metrics import Metrics

TOPIC = topics.signals("cfg")
SETTINGS = BusSettings(claim_idle_ms=1_000, max_deliveries=2, block_ms=1)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(0)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def bus(clock: SimulatedClock, metrics: Metrics) -> MemoryBus:
    return MemoryBus(SETTINGS, clock, metrics=metrics.bus())


def _value(metrics: Metrics, name: str, topic: str = "signals") -> float:
    return metrics.registry.get_sample_value(name, {"topic": topic}) or 0.0


async def test_handled_messages_are_acknowledged(bus: MemoryBus, clock: SimulatedClock) -> None:
    seen: list[int] = []

    async def handler(env: Envelope) -> None:
        seen.append(env.payload["i"])

    sub = await bus.subscribe(TOPIC, group="g", consumer="c1")
    consumer = Consumer(bus, sub, handler, settings=SETTINGS, clock=clock)
    for i in range(3):
        await bus.publish(TOPIC, {"i": i}, type="signal")
    assert await consumer.run_once(block_ms=0) == 3
    clock.advance(5)
    assert await consumer.run_once(block_ms=0) == 0
    assert seen == [0, 1, 2]


async def test_a_failed_message_is_retried_after_the_claim_delay(
    bus: MemoryBus, clock: SimulatedClock, metrics: Metrics
) -> None:
    calls = 0

    async def flaky(env: Envelope) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("transient")

    sub = await bus.subscribe(TOPIC, group="g", consumer="c1")
    consumer = Consumer(bus, sub, flaky, settings=SETTINGS, clock=clock, metrics=metrics.bus())
    await bus.publish(TOPIC, {}, type="signal")
    assert await consumer.run_once(block_ms=0) == 0
    assert await consumer.run_once(block_ms=0) == 0  # not stale yet
    clock.advance(1)
    assert await consumer.run_once(block_ms=0) == 1
    assert calls == 2
    assert _value(metrics, "simbiot_bus_failed_total") == 1


async def test_a_poison_message_is_parked_with_its_error_then_acknowledged(
    bus: MemoryBus, clock: SimulatedClock, metrics: Metrics
) -> None:
    async def broken(env: Envelope) -> None:
        raise ValueError(f"cannot handle {env.payload['i']}")

    sub = await bus.subscribe(TOPIC, group="g", consumer="c1")
    dead = await bus.subscribe(topics.dead_letter(TOPIC), group="ops", consumer="o1")
    consumer = Consumer(bus, sub, broken, settings=SETTINGS, clock=clock, metrics=metrics.bus())
    sent = await bus.publish(TOPIC, {"i": 7}, type="signal")
    for _ in range(SETTINGS.max_deliveries):
        assert await consumer.run_once(block_ms=0) == 0
        clock.advance(1)
    assert await consumer.run_once(block_ms=0) == 0  # third delivery: parked, not handled
    (parked,) = await dead.fetch(block_ms=0)
    assert parked.envelope.topic == "deadletter.signals.cfg"
    assert parked.envelope.payload["envelope"]["id"] == sent.id
    assert parked.envelope.payload["envelope"]["payload"] == {"i": 7}
    assert parked.envelope.payload["attempts"] == 3
    assert parked.envelope.payload["error"] == "ValueError: cannot handle 7"
    await parked.ack()
    clock.advance(5)
    assert await consumer.run_once(block_ms=0) == 0
    assert await dead.fetch(block_ms=0) == []
    assert _value(metrics, "simbiot_bus_failed_total") == 2
    assert _value(metrics, "simbiot_bus_dead_lettered_total") == 1


class _Outage:
    """A subscription whose bus is down for the first ``failures`` fetches."""

    def __init__(self, failures: int, consumer: list[Consumer]) -> None:
        self.failures = failures
        self.fetches = 0
        self.consumer = consumer

    async def fetch(self, max_messages: int = 100, block_ms: int | None = None) -> list[Delivery]:
        self.fetches += 1
        if self.fetches <= self.failures:
            raise CacheUnavailable("redis XREADGROUP failed: connection refused")
        self.consumer[0].stop()
        return []

    async def ack_many(self, deliveries: Sequence[Delivery]) -> int:
        return 0

    async def close(self) -> None:
        return None


async def test_run_waits_out_an_outage_with_doubling_backoff_then_stops(
    bus: MemoryBus, clock: SimulatedClock
) -> None:
    async def handler(env: Envelope) -> None:
        return None

    holder: list[Consumer] = []
    sub = _Outage(3, holder)
    consumer = Consumer(bus, sub, handler, settings=SETTINGS, clock=clock)
    holder.append(consumer)
    await asyncio.wait_for(consumer.run(), 5)
    assert sub.fetches == 4
    assert clock.now_ms() == 100 + 200 + 400


async def test_backoff_is_capped(bus: MemoryBus, clock: SimulatedClock) -> None:
    async def handler(env: Envelope) -> None:
        return None

    holder: list[Consumer] = []
    sub = _Outage(12, holder)
    settings = SETTINGS.model_copy(update={"outage_backoff_max_s": 1.0})
    consumer = Consumer(bus, sub, handler, settings=settings, clock=clock)
    holder.append(consumer)
    await asyncio.wait_for(consumer.run(), 5)
    # 0.1 + 0.2 + 0.4 + 0.8, then eight waits of the 1 s cap
    assert clock.now_ms() == 1_500 + 8_000


async def test_stop_ends_a_running_loop(bus: MemoryBus, clock: SimulatedClock) -> None:
    async def handler(env: Envelope) -> None:
        return None

    sub = await bus.subscribe(TOPIC, group="g", consumer="c1")
    consumer = Consumer(bus, sub, handler, settings=SETTINGS, clock=clock)
    task = asyncio.create_task(consumer.run())
    await asyncio.sleep(0.01)
    consumer.stop()
    await asyncio.wait_for(task, 2)
    assert task.done()
