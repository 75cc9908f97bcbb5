"""Blacklist behaviour checked on every cache backend (memory here, Redis in integration)."""

from __future__ import annotations

from simbiot.cache.keys import CacheKeys
from simbiot.cache.store import CacheStore
from simbiot.config.sections import SignalsSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.signals.blacklist import Blacklist, SignalOutcome

SETTINGS = SignalsSettings(losing_streak=3, loss_blacklist_s=3600, anomaly_blacklist_s=600)


async def entries_expire_by_the_clock(store: CacheStore, clock: SimulatedClock) -> None:
    bl = Blacklist(store, clock, SETTINGS)
    await bl.add("BAD/USDT", "rug pull", ttl_s=60)
    await bl.add("MINE/USDT", "user choice", user_id=7, ttl_s=120)
    assert await bl.is_blocked(7, ["BAD/USDT", "MINE/USDT", "OK/USDT"]) == {
        "BAD/USDT": True, "MINE/USDT": True, "OK/USDT": False,
    }  # fmt: skip
    assert await bl.is_blocked(8, ["MINE/USDT"]) == {"MINE/USDT": False}
    assert await bl.is_blocked(None, ["BAD/USDT", "MINE/USDT"]) == {
        "BAD/USDT": True,
        "MINE/USDT": False,
    }
    clock.advance(61)
    assert await bl.is_blocked(7, ["BAD/USDT", "MINE/USDT"]) == {
        "BAD/USDT": False,
        "MINE/USDT": True,
    }
    view = await bl.snapshot()
    assert view.global_symbols == frozenset()
    assert view.per_user == {7: frozenset({"MINE/USDT"})}
    clock.advance(60)
    assert (await bl.snapshot()).per_user == {}
    assert await bl.entries(7) == []


async def auto_update_applies_every_rule(store: CacheStore, clock: SimulatedClock) -> None:
    bl = Blacklist(store, clock, SETTINGS)
    outcomes = [
        SignalOutcome("LOSER/USDT", 1, -0.01),
        SignalOutcome("LOSER/USDT", 3, -0.02),
        SignalOutcome("LOSER/USDT", 2, -0.01),
        SignalOutcome("MIXED/USDT", 1, -0.01),
        SignalOutcome("MIXED/USDT", 2, 0.03),
        SignalOutcome("MIXED/USDT", 3, -0.01),
        SignalOutcome("MIXED/USDT", 4, -0.01),
        SignalOutcome("USERS/USDT", 1, -0.1, user_id=5),
        SignalOutcome("USERS/USDT", 2, -0.1, user_id=5),
        SignalOutcome("USERS/USDT", 3, -0.1, user_id=5),
    ]
    added = await bl.auto_update(outcomes, anomalies=["ODD/USDT"], quarantined=["DEAD/USDT"])
    got = {(e.scope, e.symbol): e.source for e in added}
    assert got == {
        ("global", "LOSER/USDT"): "losses",
        ("5", "USERS/USDT"): "losses",
        ("global", "ODD/USDT"): "anomaly",
        ("global", "DEAD/USDT"): "quarantine",
    }
    loser = next(e for e in added if e.symbol == "LOSER/USDT")
    assert loser.reason == "3 losing signals in a row (last -2.00%)"
    assert loser.expires_ms - loser.created_ms == 3_600_000
    # Feeding the same history again adds nothing and does not extend the block.
    clock.advance(100)
    assert await bl.auto_update(outcomes, anomalies=["ODD/USDT"], quarantined=["DEAD/USDT"]) == []
    clock.advance(600 - 100)
    assert (await bl.is_blocked(None, ["ODD/USDT"]))["ODD/USDT"] is False
    assert (await bl.is_blocked(None, ["LOSER/USDT"]))["LOSER/USDT"] is True


class FixedScorer:
    """A scorer with fixed opinions (the learned one plugs in the same way)."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores
        self.asked: list[str] = []

    def score(self, symbols: list[str]) -> dict[str, float]:  # type: ignore[override]
        self.asked.extend(symbols)
        return {s: self.scores[s] for s in symbols if s in self.scores}


async def scorer_blocks_symbols_above_threshold(store: CacheStore, clock: SimulatedClock) -> None:
    scorer = FixedScorer({"RISKY/USDT": 0.95, "FINE/USDT": 0.2, "NAN/USDT": float("nan")})
    bl = Blacklist(store, clock, SETTINGS, scorer=scorer)
    added = await bl.auto_update(candidates=["RISKY/USDT", "FINE/USDT", "NAN/USDT"])
    assert [(e.symbol, e.source, e.reason) for e in added] == [
        ("RISKY/USDT", "model", "model: 95% chance of a loss")
    ]
    assert scorer.asked == ["RISKY/USDT", "FINE/USDT", "NAN/USDT"]


async def corrupt_entries_block_nothing_and_are_dropped(
    store: CacheStore, clock: SimulatedClock
) -> None:
    bl = Blacklist(store, clock, SETTINGS)
    key = CacheKeys.blacklist("global", "X/USDT")
    await store.cache.set(key, b"{not json", 60)
    assert await bl.is_blocked(None, ["X/USDT"]) == {"X/USDT": False}
    assert await store.cache.get(key) is None
    await store.set_json(key, {"reason": "r"}, 60)
    assert await bl.is_blocked(None, ["X/USDT"]) == {"X/USDT": False}
    assert await bl.remove("X/USDT") is False
    await bl.add("Y/USDT", "manual")
    assert await bl.remove("Y/USDT") is True
    assert await bl.is_blocked(None, ["Y/USDT"]) == {"Y/USDT": False}


CASES = [
    entries_expire_by_the_clock,
    auto_update_applies_every_rule,
    scorer_blocks_symbols_above_threshold,
    corrupt_entries_block_nothing_and_are_dropped,
]
