"""Analyzer: loads the window, caches the snapshot and filter, publishes on the bus."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import pytest

from simbiot.analysis.analyzer import SNAPSHOT_MESSAGE_TYPE, Analyzer, FrameSource, XRayEngine
from simbiot.analysis.xray.synthetic import random_market
from simbiot.bus import topics
from simbiot.bus.memory import MemoryBus
from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.cache.redis import RedisCache
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import CacheUnavailable, DataError
from simbiot.domain.frame import MarketFrame

NOW = 1_800_000_000_000


class SyncSource:
    def __init__(self, frame: MarketFrame) -> None:
        self.frame = frame
        self.calls: list[tuple[Sequence[str] | None, int]] = []

    def load_frame(self, symbols: Sequence[str] | None, window: int) -> MarketFrame:
        self.calls.append((symbols, window))
        return self.frame.tail(window)


class AsyncSource(SyncSource):
    async def load_frame(self, symbols: Sequence[str] | None, window: int) -> MarketFrame:  # type: ignore[override]
        return super().load_frame(symbols, window)


class FailingSource:
    def load_frame(self, symbols: Sequence[str] | None, window: int) -> MarketFrame:
        raise OSError("disk gone")


class WrongTypeSource:
    def load_frame(self, symbols: Sequence[str] | None, window: int) -> MarketFrame:
        return {"not": "a frame"}  # type: ignore[return-value]


class DownCache(MemoryCache):
    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        raise CacheUnavailable("redis down")


class DownBus(MemoryBus):
    async def publish(self, topic, payload, *, type, version=1, headers=None):  # type: ignore[no-untyped-def]
        raise CacheUnavailable("bus down")


def _frame() -> MarketFrame:
    return random_market(40, 300, seed=2)


def _analyzer(
    source: FrameSource, cache: object | None = None, bus: object | None = None
) -> Analyzer:
    engine = XRayEngine(AnalysisSettings(window=250))
    return Analyzer(
        source,
        MemoryCache() if cache is None else cache,  # type: ignore[arg-type]
        MemoryBus() if bus is None else bus,  # type: ignore[arg-type]
        engine,
        SimulatedClock(NOW),
        ttl_s=900,
        filter_ttl_s=3600,
    )


@pytest.mark.parametrize("source_cls", [SyncSource, AsyncSource])
async def test_run_once_caches_and_publishes(source_cls: type[SyncSource]) -> None:
    cache, bus = MemoryCache(), MemoryBus()
    source = source_cls(_frame())
    sub = await bus.subscribe(topics.xray_snapshot("sim", "1h"), group="signals", consumer="c1")
    analyzer = _analyzer(source, cache, bus)
    snap = await analyzer.run_once("sim", "1h")
    assert source.calls == [(None, 250)]
    assert snap.generated_at_ms == NOW
    cached = await analyzer.latest("sim", "1h")
    assert cached == orjson.loads(orjson.dumps(snap.to_json()))
    assert await cache.ttl(CacheKeys.xray_snapshot("sim", "1h")) == pytest.approx(900, abs=1)
    kept = await analyzer.cached_filter("sim", "1h")
    assert kept is not None
    assert len(kept.kept) == snap.filtered
    deliveries = await sub.fetch(10, block_ms=10)
    assert len(deliveries) == 1
    env = deliveries[0].envelope
    assert env.type == SNAPSHOT_MESSAGE_TYPE
    assert env.payload["symbols"] == cached["symbols"]


async def test_wrong_exchange_or_timeframe_is_refused() -> None:
    with pytest.raises(DataError):
        await _analyzer(SyncSource(_frame())).run_once("mexc", "1h")


async def test_source_failure_is_translated() -> None:
    with pytest.raises(DataError, match="disk gone"):
        await _analyzer(FailingSource()).run_once("sim", "1h")  # type: ignore[arg-type]


async def test_source_returning_garbage_is_refused() -> None:
    with pytest.raises(DataError, match="not a MarketFrame"):
        await _analyzer(WrongTypeSource()).run_once("sim", "1h")


async def test_cache_outage_still_publishes(caplog: pytest.LogCaptureFixture) -> None:
    bus = MemoryBus()
    sub = await bus.subscribe(topics.xray_snapshot("sim", "1h"), group="g", consumer="c")
    await _analyzer(SyncSource(_frame()), DownCache(), bus).run_once("sim", "1h")
    assert len(await sub.fetch(10, block_ms=10)) == 1
    assert "not cached" in caplog.text


async def test_bus_failure_propagates_after_caching() -> None:
    cache = MemoryCache()
    analyzer = _analyzer(SyncSource(_frame()), cache, DownBus())
    with pytest.raises(CacheUnavailable):
        await analyzer.run_once("sim", "1h")
    assert await analyzer.latest("sim", "1h") is not None


async def test_malformed_cache_entries_read_as_none() -> None:
    cache = MemoryCache()
    analyzer = _analyzer(SyncSource(_frame()), cache)
    assert await analyzer.latest("sim", "1h") is None
    assert await analyzer.cached_filter("sim", "1h") is None
    await cache.set(CacheKeys.xray_snapshot("sim", "1h"), b"{not json", None)
    await cache.set(CacheKeys.filter_result("sim", "1h"), b'{"kept": 1}', None)
    assert await analyzer.latest("sim", "1h") is None
    assert await analyzer.cached_filter("sim", "1h") is None


@pytest.mark.redis
async def test_snapshot_cached_in_real_redis(redis_url: str, redis_prefix: str) -> None:
    cache = RedisCache.from_url(redis_url, prefix=redis_prefix)
    try:
        analyzer = _analyzer(SyncSource(_frame()), cache)
        snap = await analyzer.run_once("sim", "1h")
        doc = await analyzer.latest("sim", "1h")
        assert doc is not None
        assert doc["filtered"] == snap.filtered
        ttl = await cache.ttl(CacheKeys.xray_snapshot("sim", "1h"))
        assert ttl is not None
        assert 0 < ttl <= 900
    finally:
        await cache.delete(
            CacheKeys.xray_snapshot("sim", "1h"), CacheKeys.filter_result("sim", "1h")
        )
        await cache.close()
