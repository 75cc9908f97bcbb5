"""build_cache picks the configured backend and measures it when asked."""

from __future__ import annotations

from simbiot.cache.factory import build_cache
from simbiot.cache.instrumented import InstrumentedCache
from simbiot.cache.memory import MemoryCache
from simbiot.cache.redis import RedisCache
from simbiot.config.sections import CacheSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.observability.metrics import Metrics


async def test_memory_backend_uses_the_bound_and_the_clock() -> None:
    clock = SimulatedClock(0)
    cache = build_cache(CacheSettings(memory_max_entries=100), clock=clock)
    assert isinstance(cache, MemoryCache)
    await cache.set_many({f"k{i}": b"v" for i in range(150)}, 10)
    assert len(cache) == 100
    clock.advance(10)
    assert await cache.get("k149") is None


async def test_metrics_wrap_the_backend() -> None:
    metrics = Metrics()
    cache = build_cache(CacheSettings(), metrics=metrics)
    assert isinstance(cache, InstrumentedCache)
    await cache.get("ohlcv:x:1h:0")
    assert metrics.registry.get_sample_value("simbiot_cache_misses_total", {"kind": "ohlcv"}) == 1


async def test_redis_backend_is_built_without_connecting() -> None:
    cache = build_cache(CacheSettings(backend="redis", redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(cache, RedisCache)
    await cache.close()
