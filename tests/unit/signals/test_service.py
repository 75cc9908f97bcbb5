from __future__ import annotations

import io

from rich.console import Console
from service_support import DownBus, DownCache, DownRecorder, MemoryRecorder
from signal_frames import random_frame

from simbiot.bus import topics
from simbiot.bus.memory import MemoryBus
from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.cache.store import CacheStore
from simbiot.domain.clock import SimulatedClock
from simbiot.signals.blacklist import Blacklist
from simbiot.signals.context import SignalInputs
from simbiot.signals.engine import SignalEngine
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import Signal, StrategyConfig, Subscription
from simbiot.signals.registry import StrategyRegistry
from simbiot.signals.rules import parse_rule_text
from simbiot.signals.service import SIGNALS_MESSAGE, SignalService, render_table, to_json

FRAME = random_frame(30, 200, seed=3, vol=0.03)
INPUTS = SignalInputs(FRAME)
LOW = StrategyConfig("low_rsi", {})
TREND = StrategyConfig("trend_ema_adx", {"adx_min": 0.0})


def _engine() -> SignalEngine:
    registry = StrategyRegistry.with_builtins()
    registry.add(
        parse_rule_text("name: low_rsi\nentry:\n  lt: [rsi, 50]\nexit:\n  gt: [rsi, 55]\n")
    )
    return SignalEngine(registry, IndicatorCache())


def _subs() -> list[Subscription]:
    return [Subscription(u, LOW if u % 2 else TREND) for u in range(1, 11)]


async def test_cycle_caches_publishes_stores_and_fans_out() -> None:
    clock = SimulatedClock(1_700_000_000_000)
    store = CacheStore(MemoryCache(clock=clock))
    bus = MemoryBus(clock=clock)
    recorder = MemoryRecorder()
    blacklist = Blacklist(store, clock)
    service = SignalService(_engine(), blacklist, store, bus, recorder, clock)
    subs_bus = {c.config_id: await bus.subscribe(topics.signals(c.config_id), group="t", consumer="c")
                for c in (LOW, TREND)}  # fmt: skip
    low_signals = _engine().evaluate(INPUTS, [LOW])[LOW.config_id]
    blocked = next(s.symbol for s in low_signals if s.side.is_entry)
    await blacklist.add(blocked, "test", user_id=1)

    result = await service.run_cycle(INPUTS, _subs())

    assert result.errors == {}
    assert result.subscribers == {LOW.config_id: 5, TREND.config_id: 5}
    assert result.published == 2
    assert result.signals[LOW.config_id] == low_signals
    for cfg in (LOW, TREND):
        deliveries = await subs_bus[cfg.config_id].fetch(10, block_ms=0)
        assert len(deliveries) == 1
        env = deliveries[0].envelope
        assert env.type == SIGNALS_MESSAGE
        assert [Signal.from_json(d) for d in env.payload["signals"]] == result.signals[
            cfg.config_id
        ]
        cached = await store.get_json(CacheKeys.signals(cfg.config_id))
        assert cached == env.payload
    # Stored: every entry, and exits only on the bar their condition became true.
    frames = _engine().evaluate_detailed(INPUTS, [LOW, TREND]).frames
    expected = 0
    for cid, sigs in result.signals.items():
        before = frames[cid].exit[:, -2]
        for s in sigs:
            expected += s.side.is_entry or not before[FRAME.symbols.index(s.symbol)]
    assert 0 < expected < result.signal_count
    assert result.stored == expected == len(recorder.rows)
    assert blocked not in {s.symbol for s in result.per_user[1] if s.side.is_entry}
    assert blocked in {s.symbol for s in result.per_user[3] if s.side.is_entry}
    # A second cycle over the same bar stores nothing new.
    again = await service.run_cycle(INPUTS, _subs())
    assert again.stored == 0


async def test_backend_faults_are_reported_and_entries_withheld() -> None:
    clock = SimulatedClock(0)
    down = CacheStore(DownCache())
    service = SignalService(
        _engine(), Blacklist(down, clock), down, DownBus(), DownRecorder(), clock
    )
    result = await service.run_cycle(INPUTS, _subs())
    assert set(result.errors) == {"cache", "bus", "storage", "blacklist"}
    assert result.published == 0
    assert result.stored == 0
    assert result.signal_count > 0
    # Without a readable blacklist no entry goes out; exits still do.
    for sigs in result.per_user.values():
        assert all(not s.side.is_entry for s in sigs)


async def test_render_and_json() -> None:
    clock = SimulatedClock(0)
    store = CacheStore(MemoryCache(clock=clock))
    service = SignalService(
        _engine(), Blacklist(store, clock), store, MemoryBus(clock=clock), None, clock
    )
    result = await service.run_cycle(INPUTS, _subs())
    doc = to_json(result)
    assert doc["users"] == 10
    assert doc["configs"][LOW.config_id]["subscribers"] == 5
    assert len(doc["configs"][LOW.config_id]["signals"]) == len(result.signals[LOW.config_id])
    out = io.StringIO()
    render_table(result, Console(file=out, width=200))
    text = out.getvalue()
    assert "low_rsi" in text
    assert "10 users, 2 messages" in text
