"""CacheStore: typed values, TTL by kind, undecodable entries dropped as misses."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.cache.store import CacheStore
from simbiot.cache.ttl import TTLPolicy
from simbiot.config.sections import CacheTTLSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.market import Candles


def _candles(symbol: str, n: int = 4) -> Candles:
    x = np.arange(n, dtype=np.float64) + 1
    return Candles(symbol, "1h", np.arange(n, dtype=np.int64) * 3_600_000, x, x, x, x, x)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(0)


@pytest.fixture
def store(clock: SimulatedClock) -> CacheStore:
    return CacheStore(MemoryCache(clock=clock), TTLPolicy(CacheTTLSettings(ohlcv=100, analysis=50)))


async def test_candles_round_trip_and_expire_by_their_kinds_ttl(
    store: CacheStore, clock: SimulatedClock
) -> None:
    key = CacheKeys.ohlcv("BTC/USDT", "1h", 0)
    await store.set_candles(key, _candles("BTC/USDT"))
    back = await store.get_candles(key)
    assert back is not None
    assert back.close.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert await store.cache.ttl(key) == pytest.approx(100)
    clock.advance(100)
    assert await store.get_candles(key) is None


async def test_many_candles_in_one_round_trip(store: CacheStore) -> None:
    frames = {CacheKeys.ohlcv(s, "1h", 0): _candles(s) for s in ("A/USDT", "B/USDT")}
    await store.set_candles_many(frames)
    await store.set_candles_many({})
    got = await store.get_candles_many([*frames, CacheKeys.ohlcv("C/USDT", "1h", 0)])
    assert [c.symbol if c else None for c in got] == ["A/USDT", "B/USDT", None]


async def test_json_and_arrays_with_explicit_ttl(store: CacheStore) -> None:
    snap = CacheKeys.xray_snapshot("mexc", "1h")
    await store.set_json(snap, {"top": ["BTC/USDT"]}, ttl_s=5)
    assert await store.get_json(snap) == {"top": ["BTC/USDT"]}
    assert await store.cache.ttl(snap) == pytest.approx(5)
    ind = CacheKeys.indicators("mexc", "1h", "d1")
    await store.set_arrays(ind, {"rsi": np.full((2, 3), 50.0)})
    arrays = await store.get_arrays(ind)
    assert arrays is not None
    assert arrays["rsi"].shape == (2, 3)
    assert store.ttl_for(ind) == 900


async def test_an_undecodable_entry_is_a_miss_and_is_deleted(store: CacheStore) -> None:
    key = CacheKeys.ohlcv("BTC/USDT", "1h", 0)
    await store.cache.set(key, b"garbage", None)
    assert await store.get_candles(key) is None
    assert not await store.cache.exists(key)
    await store.cache.set(key, b"garbage", None)
    assert await store.get_candles_many([key]) == [None]
    await store.cache.set(key, b"{", None)
    assert await store.get_json(key) is None
