"""Build the configured bus backend (called only by the composition root)."""

from __future__ import annotations

from simbiot.bus.memory import MemoryBus
from simbiot.bus.port import Bus
from simbiot.bus.redis_streams import RedisStreamsBus
from simbiot.config.sections import BusSettings
from simbiot.domain.clock import Clock
from simbiot.observability.metrics import Metrics

__all__ = ["build_bus"]


def build_bus(
    settings: BusSettings, *, clock: Clock | None = None, metrics: Metrics | None = None
) -> Bus:
    """Return the backend ``settings.backend`` names, counting traffic when ``metrics`` is given."""
    group = metrics.bus() if metrics is not None else None
    if settings.backend == "redis":
        return RedisStreamsBus(settings, metrics=group, clock=clock)
    return MemoryBus(settings, clock, metrics=group)
