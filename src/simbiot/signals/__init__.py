"""Strategies and signals (S1-S5, I2, T2).

Strategies are evaluated once per distinct configuration over every symbol and bar
(:class:`SignalEngine`), users are served by fan-out with their blacklist applied, and
their entries are ranked when slots or capital are short (:func:`select`). Users write
their own strategies as YAML rule files (:mod:`simbiot.signals.rules`).

Wiring (in the composition root)::

    s = settings.signals
    registry = StrategyRegistry.from_directory(s.rules_dir)
    engine = SignalEngine(registry, IndicatorCache(s.indicator_cache_mb * 2**20), s)
    blacklist = Blacklist(cache_store, clock, s, scorer=None)
    service = SignalService(engine, blacklist, cache_store, bus, DatabaseSignalRecorder(db), clock)
    result = await service.run_cycle(SignalInputs.from_xray(xray_result), subscriptions)

The backtester reuses ``engine.evaluate_detailed(inputs, configs).frames`` (entry/exit
masks over all bars); the optimiser reads ``strategy.parameters()`` for its search space.
"""

from simbiot.signals.blacklist import Blacklist, BlacklistEntry, BlacklistScorer, SignalOutcome
from simbiot.signals.blacklist_view import BlacklistView
from simbiot.signals.context import SignalInputs, StrategyContext
from simbiot.signals.engine import EngineOutput, SignalEngine
from simbiot.signals.frame import SignalFrame
from simbiot.signals.indicator_cache import IndicatorBank, IndicatorCache
from simbiot.signals.model import Side, Signal, StrategyConfig, Subscription
from simbiot.signals.params import ParamSpec
from simbiot.signals.priority import Allocation, Selection, rank, select
from simbiot.signals.recorder import SignalRecorder
from simbiot.signals.registry import StrategyRegistry
from simbiot.signals.service import SignalCycleResult, SignalService, render_table, to_json
from simbiot.signals.strategy import Strategy

__all__ = [
    "Allocation",
    "Blacklist",
    "BlacklistEntry",
    "BlacklistScorer",
    "BlacklistView",
    "EngineOutput",
    "IndicatorBank",
    "IndicatorCache",
    "ParamSpec",
    "Selection",
    "Side",
    "Signal",
    "SignalCycleResult",
    "SignalEngine",
    "SignalFrame",
    "SignalInputs",
    "SignalOutcome",
    "SignalRecorder",
    "SignalService",
    "Strategy",
    "StrategyConfig",
    "StrategyContext",
    "StrategyRegistry",
    "Subscription",
    "rank",
    "render_table",
    "select",
    "to_json",
]
