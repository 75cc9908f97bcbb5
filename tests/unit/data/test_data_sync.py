from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pytest

from simbiot.bus.memory import MemoryBus
from simbiot.cache.codec import decode_candles
from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.config.sections import CacheTTLSettings, DataSettings
from simbiot.data.audit import MemoryQuarantineAudit
from simbiot.data.memory_store import MemoryCandleStore
from simbiot.data.quarantine import Quarantine
from simbiot.data.sync import CandleSync
from simbiot.data.universe import Universe
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import BadSymbol, NetworkError
from simbiot.domain.market import Candles, MarketInfo
from simbiot.domain.timeframes import timeframe_ms
from simbiot.exchange.memory import InMemoryMarketData

H = timeframe_ms("1h")
NOW = 1000 * H + 30 * 60_000  # candle 1000 is still open
SYMBOLS = [f"S{i:03d}/USDT" for i in range(120)]


def hourly(symbol: str, first: int, last: int) -> Candles:
    hours = np.arange(first, last + 1, dtype=np.int64)
    close = 10.0 + hours.astype(np.float64) / 100
    return Candles(symbol, "1h", hours * H, close, close + 0.1, close - 0.1, close, close * 0 + 3)


def market(symbol: str) -> MarketInfo:
    base, quote = symbol.split("/")
    return MarketInfo("mexc", symbol, base, quote, Decimal("0.01"), Decimal("0.001"))


class ScriptedMarketData(InMemoryMarketData):
    """The twin plus scripted ping answers and an in-flight gauge."""

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.pings: list[bool] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.explode: set[str] = set()

    async def ping(self) -> bool:
        self.calls["ping"] += 1
        return self.pings.pop(0) if self.pings else self.reachable

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)
            if symbol in self.explode:
                raise RuntimeError("bug in adapter")
            return await super().fetch_ohlcv(symbol, timeframe, since_ms=since_ms, limit=limit)
        finally:
            self.in_flight -= 1


@dataclass
class World:
    md: ScriptedMarketData
    store: MemoryCandleStore
    cache: MemoryCache
    bus: MemoryBus
    clock: SimulatedClock
    audit: MemoryQuarantineAudit
    quarantine: Quarantine
    sync: CandleSync


def build(settings: DataSettings | None = None, symbols: list[str] = SYMBOLS) -> World:
    clock = SimulatedClock(NOW)
    md = ScriptedMarketData(
        markets={s: market(s) for s in symbols},
        candles=[hourly(s, 0, 1000) for s in symbols],
    )
    store = MemoryCandleStore("mexc", "1h")
    cache = MemoryCache(clock=clock)
    bus = MemoryBus(clock=clock)
    audit = MemoryQuarantineAudit()
    quarantine = Quarantine(cache, clock, 86_400, 3, audit, exchange="mexc")
    settings = settings or DataSettings(history_candles=300, page_limit=120, max_concurrency=4)
    universe = Universe(md, cache, clock, 86_400, "USDT")
    sync = CandleSync(
        md, store, cache, bus, quarantine, clock, settings, CacheTTLSettings(), universe=universe
    )
    return World(md, store, cache, bus, clock, audit, quarantine, sync)


async def test_fresh_sync_fills_store_cache_and_bus() -> None:
    w = build()
    sub = await w.bus.subscribe("candles.closed.mexc.1h", group="t", consumer="c")
    progress: list[tuple[int, int]] = []
    report = await w.sync.run(progress=lambda d, t: progress.append((d, t)))
    assert report.symbols_ok == 120
    assert report.symbols_failed == 0
    assert report.candles == 120 * 300
    # Pages of 120 from hour 700: 700-819, 820-939, 940-1000 (short page: done).
    assert report.requests == 120 * 3
    assert report.cleaning["unfinished"] == 120
    assert report.batches == 3
    assert report.messages == 3
    assert progress[-1] == (120, 120)
    assert len(progress) == 120
    stored = w.store.read("S007/USDT")
    assert stored.timestamp[0] == 700 * H
    assert stored.last_timestamp == 999 * H
    window = decode_candles((await w.cache.get(CacheKeys.ohlcv("S007/USDT", "1h", 700 * H))) or b"")
    np.testing.assert_array_equal(window.timestamp, stored.timestamp)
    assert await w.cache.ttl(CacheKeys.ohlcv("S007/USDT", "1h", 700 * H)) == 86_400
    deliveries = await sub.fetch(10, block_ms=0)
    assert len(deliveries) == 3
    payload = deliveries[0].envelope.payload
    assert deliveries[0].envelope.type == "candles.closed"
    assert payload["symbols"] == SYMBOLS[:50]
    assert payload["last_closed_ms"] == 999 * H
    assert payload["window_since_ms"] == 700 * H
    assert w.md.max_in_flight <= 4


async def test_incremental_sync_fetches_only_new_candles() -> None:
    w = build()
    await w.sync.run()
    w.clock.advance(2 * 3600)
    for s in SYMBOLS:
        w.md.add_candles(hourly(s, 0, 1002))
    report = await w.sync.run()
    assert report.requests == 120  # one page from hour 1000 each
    assert report.candles == 120 * 2
    assert w.store.last_timestamp("S000/USDT") == 1001 * H
    # Nothing new: no request at all.
    again = await w.sync.run()
    assert again.requests == 0
    assert again.messages == 0
    assert again.symbols_ok == 120


async def test_failing_symbol_does_not_stop_others_and_is_quarantined() -> None:
    w = build()
    w.md.fail("S003/USDT", NetworkError("timeout"))
    for run in range(3):
        report = await w.sync.run()
        assert report.symbols_ok == 119
        assert report.symbols_failed == 1
        assert "S003/USDT" in report.failures
        assert report.quarantined == (["S003/USDT"] if run == 2 else [])
    assert ("mexc", "S003/USDT") in w.audit.active
    report = await w.sync.run()
    assert report.symbols_skipped == 1
    assert report.symbols_failed == 0
    # 24 h later it is probed again; it works now, so the audit is cleared.
    w.md.heal("S003/USDT")
    w.clock.advance(86_400 + 1)
    report = await w.sync.run()
    assert report.symbols_skipped == 0
    assert w.store.last_timestamp("S003/USDT") is not None
    assert not w.audit.active


async def test_bad_symbol_quarantined_at_once() -> None:
    w = build()
    w.md.fail("S010/USDT", BadSymbol("symbol not support api"))
    report = await w.sync.run()
    assert report.quarantined == ["S010/USDT"]
    assert await w.quarantine.is_quarantined("S010/USDT")


async def test_unexpected_error_is_isolated() -> None:
    w = build()
    w.md.explode.add("S050/USDT")
    report = await w.sync.run()
    assert report.symbols_failed == 1
    assert report.failures["S050/USDT"] == "RuntimeError: bug in adapter"
    assert report.symbols_ok == 119


async def test_network_down_stops_and_blames_nobody() -> None:
    w = build()
    w.md.reachable = False
    report = await w.sync.run()
    assert report.network_down
    assert report.symbols_not_attempted == 120
    assert w.md.calls["fetch_ohlcv"] == 0
    assert await w.quarantine.entries() == {}


async def test_network_lost_mid_batch_counts_no_failures() -> None:
    w = build(DataSettings(history_candles=300, page_limit=120, quarantine_after_failures=1))
    w.quarantine = Quarantine(w.cache, w.clock, 86_400, 1, w.audit, exchange="mexc")
    w.sync = CandleSync(
        w.md,
        w.store,
        w.cache,
        w.bus,
        w.quarantine,
        w.clock,
        DataSettings(history_candles=300, page_limit=120),
        CacheTTLSettings(),
    )
    for s in SYMBOLS[:50]:
        w.md.fail(s, NetworkError("connection reset"))
    w.md.pings = [True, False, False]  # up before the batch, down after it, still down
    report = await w.sync.run(SYMBOLS)
    assert report.symbols_failed == 50
    assert report.network_down
    assert report.quarantined == []
    assert await w.quarantine.entries() == {}
    assert report.symbols_not_attempted == 70


async def test_ping_exception_means_unreachable() -> None:
    w = build()

    async def broken() -> bool:
        raise OSError("no route")

    w.md.ping = broken  # type: ignore[method-assign]
    report = await w.sync.run(SYMBOLS[:3])
    assert report.network_down


async def test_dirty_candles_are_cleaned_before_storing() -> None:
    w = build(symbols=["D/USDT"])
    dirty = hourly("D/USDT", 700, 1000)
    dirty.close[5] = np.nan
    dirty.high[6] = dirty.low[6] - 1  # inverted
    w.md.add_candles(dirty)
    report = await w.sync.run()
    assert report.cleaning["non_finite"] == 1
    assert report.cleaning["high_low_dropped"] == 1
    assert report.cleaning["gaps"] == 2
    assert len(w.store.read("D/USDT")) == 298


async def test_since_for_new_symbols_and_no_universe() -> None:
    w = build(symbols=["A/USDT"])
    report = await w.sync.run(["A/USDT", "A/USDT"], since_ms=990 * H)
    assert report.symbols_total == 1
    assert w.store.read("A/USDT").timestamp[0] == 990 * H
    bare = CandleSync(
        w.md, w.store, w.cache, w.bus, w.quarantine, w.clock, DataSettings(), CacheTTLSettings()
    )
    assert bare.page_limit == 1000  # MEXC's own limit from the capabilities table
    with pytest.raises(ValueError, match="no universe"):
        await bare.run()
