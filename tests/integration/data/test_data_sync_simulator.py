from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from simbiot.bus.memory import MemoryBus
from simbiot.cache.memory import MemoryCache
from simbiot.config.sections import (
    CacheTTLSettings,
    DataSettings,
    ExchangeSettings,
    ExchangesSettings,
    RateLimitSettings,
)
from simbiot.data.audit import MemoryQuarantineAudit
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.data.quarantine import Quarantine
from simbiot.data.sync import CandleSync
from simbiot.data.universe import Universe
from simbiot.domain.clock import Clock, LiveClock, SimulatedClock
from simbiot.exchange.clients import ClientRegistry
from simbiot.exchange.simulator.config import SimulatorConfig
from simbiot.exchange.simulator.faults import FaultSpec
from simbiot.exchange.simulator.server import SimulatorServer
from simbiot.exchange.throttle.memory import MemoryRateLimiter

H = 3_600_000
START = (int(time.time() * 1000) // H - 24 * 60) * H


@dataclass
class Rig:
    server: SimulatorServer
    sync: CandleSync
    store: ParquetCandleStore
    quarantine: Quarantine
    universe: Universe


@pytest.fixture
async def rig_factory(tmp_path: Path) -> AsyncIterator[object]:
    opened: list[tuple[SimulatorServer, ClientRegistry]] = []

    async def make(symbols: int, limit: int, *, live_pacing: bool) -> Rig:
        server = SimulatorServer(
            SimulatorConfig(
                symbols=symbols,
                seed=5,
                timeframe="1h",
                history_candles=600,
                start_ms=START,
                manual_clock=True,
                ip_weight_per_minute=limit,
            )
        )
        url = await server.start()
        clock = SimulatedClock(server.now_ms())
        # Live pacing measures the real request rate; simulated pacing makes retries instant.
        pacing: Clock = LiveClock() if live_pacing else clock
        venue = ExchangeSettings(
            base_url=url, rate_limit=RateLimitSettings(ip_weight_per_minute=limit)
        )
        registry = ClientRegistry(
            ExchangesSettings(venues={"mexc": venue}), MemoryRateLimiter(pacing), pacing
        )
        opened.append((server, registry))
        md = registry.market_data("mexc")
        cache = MemoryCache(clock=clock)
        quarantine = Quarantine(cache, clock, 86_400, 3, MemoryQuarantineAudit(), exchange="mexc")
        store = ParquetCandleStore(tmp_path, "mexc", "1h", fsync=False)
        universe = Universe(md, cache, clock, 86_400, "USDT")
        sync = CandleSync(
            md,
            store,
            cache,
            MemoryBus(clock=clock),
            quarantine,
            clock,
            DataSettings(history_candles=500),
            CacheTTLSettings(),
            universe=universe,
        )
        return Rig(server, sync, store, quarantine, universe)

    yield make
    for server, registry in opened:
        await registry.close_all()
        await server.stop()


@pytest.mark.slow
async def test_sync_2000_symbols_within_limits(rig_factory: object) -> None:
    limit = 30_000  # weight per minute: high enough to keep the test short
    rig = await rig_factory(2000, limit, live_pacing=True)  # type: ignore[operator]
    started = time.perf_counter()
    report = await rig.sync.run()
    elapsed = time.perf_counter() - started
    available = await rig.universe.symbols()
    assert len(available) > 1800
    assert report.symbols_ok == len(available)
    assert report.symbols_failed == 0
    assert report.candles >= 0.95 * 500 * len(available)  # late listings hold fewer
    assert len(rig.store.symbols()) == len(available)
    records = rig.server.records
    assert rig.server.max_in_flight <= 10
    assert max(r.in_flight for r in records) <= 10
    assert not [r for r in records if r.status in (418, 429)]
    weight = sum(r.weight for r in records)
    burst = limit // 20
    assert weight <= burst + limit / 60 * elapsed * 1.02


async def test_failing_and_unknown_symbols_quarantined_others_synced(rig_factory: object) -> None:
    rig = await rig_factory(60, 100_000, live_pacing=False)  # type: ignore[operator]
    symbols = (await rig.universe.symbols())[:20]
    sick = symbols[3]
    rig.server.faults.add(FaultSpec(kind="http_5xx", route="klines", symbol=sick))
    first = await rig.sync.run([*symbols, "NOPE/USDT"])
    assert first.symbols_ok == 19
    assert first.symbols_failed == 2
    assert first.quarantined == ["NOPE/USDT"]  # unknown: at once
    for _ in range(2):
        report = await rig.sync.run([*symbols, "NOPE/USDT"])
    assert report.quarantined == [sick]
    assert report.symbols_skipped == 1
    assert sorted(await rig.quarantine.entries()) == sorted([sick, "NOPE/USDT"])
    assert rig.store.last_timestamp(sick) is None
    assert all(rig.store.last_timestamp(s) is not None for s in symbols if s != sick)
