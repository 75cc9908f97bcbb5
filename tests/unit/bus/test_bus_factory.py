"""build_bus picks the configured backend."""

from __future__ import annotations

from simbiot.bus.factory import build_bus
from simbiot.bus.memory import MemoryBus
from simbiot.bus.redis_streams import RedisStreamsBus
from simbiot.config.sections import BusSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.observability.metrics import Metrics


async def test_memory_backend_counts_traffic_and_stamps_with_the_clock() -> None:
    metrics = Metrics()
    bus = build_bus(BusSettings(), clock=SimulatedClock(5_000), metrics=metrics)
    assert isinstance(bus, MemoryBus)
    env = await bus.publish("alerts.info", {"m": "x"}, type="alert")
    assert env.ts_ms == 5_000
    assert (
        metrics.registry.get_sample_value("simbiot_bus_published_total", {"topic": "alerts"}) == 1
    )


async def test_redis_backend_is_built_without_connecting() -> None:
    bus = build_bus(BusSettings(backend="redis", redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(bus, RedisStreamsBus)
    await bus.close()
