"""One signal cycle: evaluate, cache, publish, store and fan out (the analyzer's signal step).

Per distinct configuration: its latest signals are cached under ``signals:<config_id>``
and published as one ``signals.batch`` message on ``signals.<config_id>`` (every cycle,
with an empty list when nothing fired, so subscribers can tell "quiet" from "stalled").
The database keeps entries and the first bar of each exit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from simbiot.bus import topics
from simbiot.bus.port import Bus
from simbiot.cache import codec
from simbiot.cache.keys import CacheKeys
from simbiot.cache.store import CacheStore
from simbiot.domain.clock import Clock
from simbiot.domain.errors import CacheUnavailable, StorageError
from simbiot.signals.blacklist import Blacklist
from simbiot.signals.blacklist_view import BlacklistView
from simbiot.signals.context import SignalInputs
from simbiot.signals.engine import SignalEngine
from simbiot.signals.frame import SignalFrame
from simbiot.signals.model import Signal, StrategyConfig, Subscription
from simbiot.signals.recorder import SignalRecorder

__all__ = ["SIGNALS_MESSAGE", "SignalCycleResult", "SignalService", "render_table", "to_json"]

log = logging.getLogger(__name__)
SIGNALS_MESSAGE = "signals.batch"


@dataclass(frozen=True, slots=True)
class SignalCycleResult:
    """What one cycle produced, and where it went."""

    generated_at_ms: int
    configs: Mapping[str, StrategyConfig]
    signals: Mapping[str, list[Signal]]
    per_user: Mapping[int, list[Signal]]
    errors: Mapping[str, str] = field(default_factory=dict)
    subscribers: Mapping[str, int] = field(default_factory=dict)
    published: int = 0
    stored: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def signal_count(self) -> int:
        """Signals over all configurations (before fan-out)."""
        return sum(len(v) for v in self.signals.values())


def batch_payload(config: StrategyConfig, signals: list[Signal], at_ms: int) -> dict[str, Any]:
    """Return the cached and published document of one configuration's signals."""
    return {
        "config_id": config.config_id,
        "strategy": config.strategy,
        "params": config.params,
        "generated_at_ms": at_ms,
        "signals": [s.to_json() for s in signals],
    }


def _new_signals(
    signals: Mapping[str, list[Signal]], frames: Mapping[str, SignalFrame], inputs: SignalInputs
) -> dict[str, list[Signal]]:
    """Return entries, and exits whose condition was not already true on the bar before.

    An exit is a state (it holds on every bar until the position is closed) and is published
    every cycle; storing it every bar would only repeat the first row.
    """
    row = {symbol: i for i, symbol in enumerate(inputs.frame.symbols)}
    out: dict[str, list[Signal]] = {}
    for cid, sigs in signals.items():
        frame = frames.get(cid)
        if frame is None or frame.exit.shape[1] < 2:
            out[cid] = list(sigs)
            continue
        before = frame.exit[:, -2]
        out[cid] = [s for s in sigs if s.side.is_entry or not before[row[s.symbol]]]
    return out


class SignalService:
    """Run signal cycles for every subscribed configuration."""

    def __init__(
        self,
        engine: SignalEngine,
        blacklist: Blacklist,
        store: CacheStore,
        bus: Bus,
        recorder: SignalRecorder | None,
        clock: Clock,
    ) -> None:
        self._engine = engine
        self._blacklist = blacklist
        self._store = store
        self._bus = bus
        self._recorder = recorder
        self._clock = clock

    async def run_cycle(
        self, inputs: SignalInputs, subscriptions: Iterable[Subscription]
    ) -> SignalCycleResult:
        """Evaluate each distinct configuration once, then cache, publish, store, fan out.

        A cache, bus or database fault is logged and counted in ``errors``; the users
        still get their signals.
        """
        subs = list(subscriptions)
        configs = {s.config_id: s.config for s in subs}
        counts: dict[str, int] = {}
        for s in subs:
            counts[s.config_id] = counts.get(s.config_id, 0) + 1
        t0 = time.perf_counter()
        # Evaluation is CPU work on whole arrays; a worker thread keeps the loop responsive.
        out = await asyncio.to_thread(self._engine.evaluate_detailed, inputs, configs.values())
        t1 = time.perf_counter()
        now = self._clock.now_ms()
        errors = dict(out.errors)
        docs = {cid: batch_payload(configs[cid], sigs, now) for cid, sigs in out.signals.items()}
        await self._cache(docs, errors)
        published = await self._publish(docs, errors)
        stored = await self._record(_new_signals(out.signals, out.frames, inputs), errors)
        view = await self._view(errors)
        per_user = self._engine.fan_out(out.signals, subs, view)
        t2 = time.perf_counter()
        timings = {**out.timings, "evaluate": t1 - t0, "deliver": t2 - t1, "total": t2 - t0}
        return SignalCycleResult(
            now, configs, dict(out.signals), per_user, errors, counts, published, stored, timings
        )

    async def _cache(self, docs: Mapping[str, dict[str, Any]], errors: dict[str, str]) -> None:
        if not docs:
            return
        items = {CacheKeys.signals(cid): codec.encode_json(doc) for cid, doc in docs.items()}
        try:
            await self._store.cache.set_many(items, self._store.ttl_for(next(iter(items))))
        except CacheUnavailable as exc:
            errors["cache"] = str(exc)
            log.error("signals: caching failed: %s", exc)

    async def _publish(self, docs: Mapping[str, dict[str, Any]], errors: dict[str, str]) -> int:
        published = 0
        for cid, doc in docs.items():
            try:
                await self._bus.publish(topics.signals(cid), doc, type=SIGNALS_MESSAGE)
            except CacheUnavailable as exc:
                errors["bus"] = str(exc)
                log.error("signals: publishing %s failed: %s", cid, exc)
                break
            published += 1
        return published

    async def _record(self, signals: Mapping[str, list[Signal]], errors: dict[str, str]) -> int:
        rows = [s for sigs in signals.values() for s in sigs]
        if self._recorder is None or not rows:
            return 0
        try:
            return await self._recorder.record(rows)
        except StorageError as exc:
            errors["storage"] = str(exc)
            log.error("signals: storing %d signals failed: %s", len(rows), exc)
            return 0

    async def _view(self, errors: dict[str, str]) -> BlacklistView:
        try:
            return await self._blacklist.snapshot()
        except CacheUnavailable as exc:
            # Without the blacklist no entry is safe to hand out; exits still go through.
            errors["blacklist"] = str(exc)
            log.error("signals: blacklist unavailable, entries withheld: %s", exc)
            return BlacklistView(block_entries=True)


def to_json(result: SignalCycleResult) -> dict[str, Any]:
    """Return the cycle as a JSON-ready document (the CLI's ``--json`` output)."""
    return {
        "generated_at_ms": result.generated_at_ms,
        "configs": {
            cid: {
                "strategy": cfg.strategy,
                "params": cfg.params,
                "subscribers": result.subscribers.get(cid, 0),
                "signals": [s.to_json() for s in result.signals.get(cid, [])],
                "error": result.errors.get(cid),
            }
            for cid, cfg in result.configs.items()
        },
        "users": len(result.per_user),
        "published": result.published,
        "stored": result.stored,
        "errors": dict(result.errors),
        "timings": {k: round(v, 6) for k, v in result.timings.items()},
    }


def render_table(result: SignalCycleResult, console: Console, top: int = 50) -> None:
    """Print the cycle's signals, strongest first, and a one-line summary."""
    table = Table(title=f"Signals: {result.signal_count} from {len(result.configs)} configurations")
    for col in (
        "strategy",
        "config",
        "symbol",
        "side",
        "strength",
        "EV",
        "X-ray",
        "users",
        "reason",
    ):
        table.add_column(
            col, justify="right" if col in ("strength", "EV", "X-ray", "users") else "left"
        )
    rows = [(cid, s) for cid, sigs in result.signals.items() for s in sigs]
    rows.sort(key=lambda r: (-r[1].strength, r[1].symbol, r[0]))
    for cid, s in rows[:top]:
        table.add_row(
            result.configs[cid].strategy,
            cid[:8],
            s.symbol,
            s.side.value,
            f"{s.strength:.2f}",
            "-" if s.expected_value is None else f"{s.expected_value:+.2%}",
            "-" if s.xray_score is None else f"{s.xray_score:.0f}",
            str(result.subscribers.get(cid, 0)),
            s.reason,
        )
    console.print(table)
    total = result.timings.get("total", 0.0)
    console.print(
        f"{len(result.per_user)} users, {result.published} messages, {result.stored} rows stored, "
        f"{total:.3f} s"
    )
    for what, message in result.errors.items():
        console.print(f"[red]error[/red] {what}: {message}")
