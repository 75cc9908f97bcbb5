"""Build the configured cache backend (called only by the composition root)."""

from __future__ import annotations

from simbiot.cache.instrumented import InstrumentedCache
from simbiot.cache.memory import MemoryCache
from simbiot.cache.port import Cache
from simbiot.cache.redis import RedisCache
from simbiot.config.sections import CacheSettings
from simbiot.domain.clock import Clock
from simbiot.observability.metrics import Metrics

__all__ = ["build_cache"]


def build_cache(
    settings: CacheSettings, *, clock: Clock | None = None, metrics: Metrics | None = None
) -> Cache:
    """Return the backend ``settings.backend`` names, measured when ``metrics`` is given."""
    group = metrics.cache() if metrics is not None else None
    inner: Cache
    if settings.backend == "redis":
        inner = RedisCache(settings, metrics=group)
    else:
        inner = MemoryCache(settings.memory_max_entries, clock)
    return inner if group is None else InstrumentedCache(inner, group)
