"""The in-memory bus's own behaviour: exact trimming, clock-driven re-claim."""

from __future__ import annotations

from simbiot.bus import topics
from simbiot.bus.memory import MemoryBus
from simbiot.config.sections import BusSettings
from simbiot.domain.clock import SimulatedClock

TOPIC = topics.signals("cfg")


async def test_trimming_is_exact() -> None:
    bus = MemoryBus(BusSettings(stream_maxlen=100))
    for i in range(250):
        await bus.publish(TOPIC, {"i": i}, type="signal")
    assert bus.stream_length(TOPIC) == 100
    assert bus.stream_length("signals.none") == 0


async def test_reclaim_is_driven_by_the_clock_not_wall_time() -> None:
    clock = SimulatedClock(0)
    bus = MemoryBus(BusSettings(claim_idle_ms=30_000), clock)
    c1 = await bus.subscribe(TOPIC, group="g", consumer="c1")
    c2 = await bus.subscribe(TOPIC, group="g", consumer="c2")
    await bus.publish(TOPIC, {}, type="signal")
    assert len(await c1.fetch(block_ms=0)) == 1
    clock.advance(29.999)
    assert await c2.fetch(block_ms=0) == []
    clock.advance(0.001)
    (again,) = await c2.fetch(block_ms=0)
    assert again.attempts == 2


async def test_pending_entries_trimmed_away_are_dropped_not_redelivered() -> None:
    clock = SimulatedClock(0)
    bus = MemoryBus(BusSettings(claim_idle_ms=100, stream_maxlen=100), clock)
    c1 = await bus.subscribe(TOPIC, group="g", consumer="c1")
    await bus.publish(TOPIC, {"i": -1}, type="signal")
    assert len(await c1.fetch(block_ms=0)) == 1  # left pending
    for i in range(100):
        await bus.publish(TOPIC, {"i": i}, type="signal")
    clock.advance(1)
    got = await c1.fetch(1_000, block_ms=0)
    assert [d.envelope.payload["i"] for d in got] == list(range(100))
    assert all(d.attempts == 1 for d in got)


async def test_ack_after_another_consumer_reclaimed_still_clears_it() -> None:
    clock = SimulatedClock(0)
    bus = MemoryBus(BusSettings(claim_idle_ms=100), clock)
    slow = await bus.subscribe(TOPIC, group="g", consumer="slow")
    fast = await bus.subscribe(TOPIC, group="g", consumer="fast")
    await bus.publish(TOPIC, {}, type="signal")
    (first,) = await slow.fetch(block_ms=0)
    clock.advance(0.2)
    (second,) = await fast.fetch(block_ms=0)
    await first.ack()  # the slow consumer finished after all: the group is done with it
    clock.advance(0.2)
    assert await fast.fetch(block_ms=0) == []
    await second.ack()  # a second ack is harmless


async def test_close_forgets_streams() -> None:
    bus = MemoryBus()
    await bus.publish(TOPIC, {}, type="signal")
    await bus.close()
    assert bus.stream_length(TOPIC) == 0
    assert bus.settings.backend == "memory"
