"""InstrumentedCache: hits and misses by kind, latency by op, failures counted."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from simbiot.cache.instrumented import InstrumentedCache
from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.domain.errors import CacheUnavailable
from simbiot.observability.metrics import Metrics


def _sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


async def test_hits_and_misses_are_counted_per_kind() -> None:
    metrics = Metrics()
    cache = InstrumentedCache(MemoryCache(), metrics.cache())
    ohlcv = CacheKeys.ohlcv("BTC/USDT", "1h", 0)
    await cache.set(ohlcv, b"x", 60)
    assert await cache.get(ohlcv) == b"x"
    assert await cache.get(CacheKeys.markets("mexc")) is None
    assert await cache.get_many([ohlcv, ohlcv, CacheKeys.tickers("mexc"), "foreign"]) == [
        b"x",
        b"x",
        None,
        None,
    ]
    assert _sample(metrics, "simbiot_cache_hits_total", kind="ohlcv") == 3
    assert _sample(metrics, "simbiot_cache_misses_total", kind="markets") == 1
    assert _sample(metrics, "simbiot_cache_misses_total", kind="tickers") == 1
    assert _sample(metrics, "simbiot_cache_misses_total", kind="other") == 1
    assert _sample(metrics, "simbiot_cache_op_seconds_count", op="get") == 2
    assert _sample(metrics, "simbiot_cache_op_seconds_count", op="get_many") == 1
    assert _sample(metrics, "simbiot_cache_op_seconds_count", op="set") == 1


async def test_every_operation_delegates() -> None:
    inner = MemoryCache()
    cache = InstrumentedCache(inner, Metrics().cache())
    assert cache.inner is inner
    await cache.set_many({"a": b"1", "b": b"2"}, None)
    assert await cache.exists("a")
    assert await cache.incr("n", 2, ttl_s=10) == 2
    assert await cache.ttl("n") == pytest.approx(10, abs=0.5)
    assert await cache.scan("") == ["a", "b", "n"]
    assert await cache.delete("a", "zz") == 1
    assert await cache.ping()
    await cache.close()
    assert len(inner) == 0


class _Down(MemoryCache):
    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        raise CacheUnavailable("redis GET failed: connection refused")


async def test_failures_are_counted_timed_and_propagated() -> None:
    metrics = Metrics()
    cache = InstrumentedCache(_Down(), metrics.cache())
    with pytest.raises(CacheUnavailable):
        await cache.get_many(["ohlcv:x:1h:0"])
    assert _sample(metrics, "simbiot_cache_errors_total", op="get_many") == 1
    assert _sample(metrics, "simbiot_cache_op_seconds_count", op="get_many") == 1
    assert _sample(metrics, "simbiot_cache_misses_total", kind="ohlcv") == 0
