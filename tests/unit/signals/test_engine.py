from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from signal_frames import random_frame

from simbiot.analysis.indicators import IndicatorParams, compute_indicators
from simbiot.signals.blacklist_view import BlacklistView
from simbiot.signals.context import SignalInputs
from simbiot.signals.engine import SignalEngine
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import Side, StrategyConfig, Subscription
from simbiot.signals.registry import StrategyRegistry
from simbiot.signals.rules import parse_rule_text

FRAME = random_frame(40, 300, seed=11, vol=0.03)
INPUTS = SignalInputs(FRAME, xray_scores={s: float(i) for i, s in enumerate(FRAME.symbols)})
LOOSE = "name: loose\nparams:\n  lvl: {default: 50.0, low: 0.0, high: 100.0}\nentry:\n  lt: [rsi, lvl]\nexit:\n  gt: [rsi, 60]\n"


def _registry() -> StrategyRegistry:
    registry = StrategyRegistry.with_builtins()
    registry.add(parse_rule_text(LOOSE))
    return registry


CONFIGS = [
    StrategyConfig("trend_ema_adx", {"fast": 5, "slow": 20, "adx_min": 0.0}),
    StrategyConfig("trend_ema_adx", {"fast": 8, "slow": 30, "adx_min": 10.0}),
    StrategyConfig("mean_reversion", {}),
    StrategyConfig("donchian_breakout", {"volume_z_min": 0.5}),
    StrategyConfig("volatility_squeeze", {"squeeze_pct": 0.3}),
    StrategyConfig("loose", {"lvl": 45.0}),
    StrategyConfig("loose", {"lvl": 55.0}),
]


def test_identical_configs_are_evaluated_once_and_indicators_computed_once() -> None:
    cache = IndicatorCache()
    engine = SignalEngine(_registry(), cache)
    configs = [
        CONFIGS[0],
        StrategyConfig("trend_ema_adx", {"adx_min": 0.0, "slow": 20, "fast": 5}),
        CONFIGS[1],
    ]
    out = engine.evaluate_detailed(INPUTS, configs)
    assert len(out.frames) == 2
    # ema5, ema20, ema8, ema30 and one adx(14): five arrays for two configurations.
    assert out.indicators == 5
    assert len(cache) == 5
    misses = cache.misses
    engine.evaluate_detailed(INPUTS, configs)
    assert cache.misses == misses  # a repeated cycle over the same frame computes nothing


def test_latest_signals_carry_ev_xray_and_reason() -> None:
    engine = SignalEngine(_registry(), IndicatorCache())
    out = engine.evaluate_detailed(INPUTS, [CONFIGS[5]])
    cid = CONFIGS[5].config_id
    frame = out.frames[cid]
    last = frame.entry[:, -1] & ~frame.exit[:, -1]
    entries = [s for s in out.signals[cid] if s.side is Side.ENTRY_LONG]
    assert [s.symbol for s in entries] == [FRAME.symbols[i] for i in np.flatnonzero(last)]
    for s in entries:
        assert s.ts == int(FRAME.timestamp[-1])
        assert s.xray_score == float(FRAME.symbols.index(s.symbol))
        assert s.expected_value is not None
        assert s.reason.startswith("loose: rsi=")
        assert s.reason.endswith("< lvl=45.0")


def test_a_bad_configuration_does_not_stop_the_others() -> None:
    engine = SignalEngine(_registry(), IndicatorCache())
    bad = [StrategyConfig("nope"), StrategyConfig("trend_ema_adx", {"fast": 50, "slow": 20})]
    out = engine.evaluate_detailed(INPUTS, [*bad, CONFIGS[2]])
    assert set(out.errors) == {c.config_id for c in bad}
    assert CONFIGS[2].config_id in out.signals


def test_missing_feature_is_reported_per_configuration() -> None:
    registry = StrategyRegistry()
    registry.add(parse_rule_text("name: f\nentry:\n  gt: [mom, 0]\n", features={"mom"}))
    out = SignalEngine(registry, IndicatorCache()).evaluate_detailed(INPUTS, [StrategyConfig("f")])
    assert "mom" in next(iter(out.errors.values()))


def test_precomputed_standard_set_is_reused() -> None:
    ind = compute_indicators(FRAME, IndicatorParams())
    cache = IndicatorCache()
    inputs = SignalInputs(FRAME, indicators=ind)
    cfg = StrategyConfig("trend_ema_adx", {"fast": 12, "slow": 26, "adx_min": 0.0})
    shared = SignalEngine(_registry(), cache).evaluate_detailed(inputs, [cfg]).frames[cfg.config_id]
    alone = (
        SignalEngine(_registry(), IndicatorCache())
        .evaluate_detailed(INPUTS, [cfg])
        .frames[cfg.config_id]
    )
    assert np.array_equal(shared.entry, alone.entry)
    assert np.array_equal(shared.exit, alone.exit)


def _naive(subs: list[Subscription], view: BlacklistView) -> dict[int, list[tuple[str, str, str]]]:
    """Per-user evaluation: each subscription on its own engine and cache."""
    out: dict[int, list[tuple[str, str, str]]] = {}
    for sub in subs:
        engine = SignalEngine(_registry(), IndicatorCache())
        sigs = engine.evaluate(INPUTS, [sub.config])[sub.config_id]
        mine = out.setdefault(sub.user_id, [])
        mine.extend(
            (s.config_id, s.symbol, s.side.value)
            for s in sigs
            if not s.side.is_entry or not view.is_blocked(sub.user_id, s.symbol)
        )
    return out


SHARED = SignalEngine(_registry(), IndicatorCache())
ALL_SIGNALS = SHARED.evaluate(INPUTS, CONFIGS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(1, 12), st.integers(0, len(CONFIGS) - 1)), max_size=25),
    st.sets(st.sampled_from(FRAME.symbols[:20]), max_size=5),
    st.dictionaries(
        st.integers(1, 12), st.frozensets(st.sampled_from(FRAME.symbols[:20]), max_size=4)
    ),
)
def test_shared_evaluation_gives_exactly_the_per_user_answer(
    pairs: list[tuple[int, int]], glob: set[str], per_user: dict[int, frozenset[str]]
) -> None:
    subs = [Subscription(u, CONFIGS[c]) for u, c in pairs]
    view = BlacklistView(frozenset(glob), per_user)
    used = {s.config_id: s.config for s in subs}
    shared = SHARED.evaluate(INPUTS, used.values())
    assert all(shared[cid] == ALL_SIGNALS[cid] for cid in shared)
    fanned = SignalEngine.fan_out(shared, subs, view)
    got = {u: [(s.config_id, s.symbol, s.side.value) for s in sigs] for u, sigs in fanned.items()}
    assert got == _naive(subs, view)


def test_fan_out_keeps_exits_of_blacklisted_symbols_and_blocks_all_when_told() -> None:
    cid = CONFIGS[5].config_id
    sigs = {cid: ALL_SIGNALS[cid]}
    subs = [Subscription(1, CONFIGS[5])]
    blocked = SignalEngine.fan_out(sigs, subs, BlacklistView(block_entries=True))
    assert all(not s.side.is_entry for s in blocked[1])
    assert list(blocked[1]) == [s for s in ALL_SIGNALS[cid] if not s.side.is_entry]
    assert SignalEngine.fan_out(sigs, [Subscription(2, StrategyConfig("other"))]) == {2: []}


class _Broken:
    """A strategy with a defect: evaluation raises something unexpected."""

    name = "broken"
    description = "raises"

    def parameters(self) -> dict[str, object]:
        return {}

    def required_indicators(self, params: object) -> set[tuple[str, tuple[float, ...]]]:
        return {("ema", (10,))}

    def evaluate(self, ctx: object, params: object) -> object:
        raise ZeroDivisionError("boom")


def test_a_crashing_strategy_is_isolated() -> None:
    registry = _registry()
    registry.add(_Broken())  # type: ignore[arg-type]
    out = SignalEngine(registry, IndicatorCache()).evaluate_detailed(
        INPUTS, [StrategyConfig("broken"), CONFIGS[5]]
    )
    assert out.errors == {StrategyConfig("broken").config_id: "ZeroDivisionError: boom"}
    assert out.signals[CONFIGS[5].config_id] == ALL_SIGNALS[CONFIGS[5].config_id]
