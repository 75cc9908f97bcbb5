"""Evaluate every distinct strategy configuration once over the whole market (S2, S3).

Users who follow the same configuration share one evaluation: the cost of a cycle grows
with the number of *distinct* configurations, not with the number of users. Indicator
requests of all configurations are merged first and each is computed once per frame.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from simbiot.config.sections import SignalsSettings
from simbiot.domain.errors import ConfigError
from simbiot.signals.blacklist_view import BlacklistView
from simbiot.signals.catalog import IndicatorRequest
from simbiot.signals.context import SignalInputs
from simbiot.signals.frame import SignalFrame
from simbiot.signals.history import edge_from_forward, forward_returns
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import Signal, StrategyConfig, Subscription
from simbiot.signals.registry import StrategyRegistry

__all__ = ["EngineOutput", "SignalEngine"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EngineOutput:
    """One evaluation: frames and latest signals per configuration id, and what failed."""

    configs: Mapping[str, StrategyConfig]
    frames: Mapping[str, SignalFrame]
    signals: Mapping[str, list[Signal]]
    errors: Mapping[str, str] = field(default_factory=dict)
    indicators: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)


class SignalEngine:
    """Evaluate configurations over shared inputs, then fan signals out to subscribers."""

    def __init__(
        self,
        registry: StrategyRegistry,
        indicator_cache: IndicatorCache,
        settings: SignalsSettings | None = None,
    ) -> None:
        self._registry = registry
        self._cache = indicator_cache
        self._s = settings if settings is not None else SignalsSettings()

    @property
    def registry(self) -> StrategyRegistry:
        """The strategies this engine evaluates."""
        return self._registry

    def evaluate(
        self, inputs: SignalInputs, configs: Iterable[StrategyConfig]
    ) -> dict[str, list[Signal]]:
        """Return the latest-bar signals of each distinct configuration, by config id."""
        return dict(self.evaluate_detailed(inputs, configs).signals)

    def evaluate_detailed(
        self, inputs: SignalInputs, configs: Iterable[StrategyConfig]
    ) -> EngineOutput:
        """Evaluate each distinct configuration once; a failing one never stops the others."""
        t0 = time.perf_counter()
        distinct = {c.config_id: c for c in configs}
        errors: dict[str, str] = {}
        plans = {}
        needs: set[IndicatorRequest] = set()
        for cid, config in distinct.items():
            try:
                strategy, params = self._registry.resolve(config)
                needs |= strategy.required_indicators(params)
            except ConfigError as exc:
                errors[cid] = str(exc)
                log.warning("signals: configuration %s rejected: %s", cid, exc)
                continue
            plans[cid] = (strategy, params)
        ctx = inputs.context(self._cache)
        # The union of every configuration's indicators, each computed once (S3).
        for request in sorted(needs, key=repr):
            ctx.bank.get(request)
        t1 = time.perf_counter()
        frames: dict[str, SignalFrame] = {}
        signals: dict[str, list[Signal]] = {}
        # Every strategy's edge is measured against the same forward returns.
        fwd = forward_returns(inputs.frame.close, self._s.ev_horizon_bars)
        for cid, (strategy, params) in plans.items():
            try:
                frame = strategy.evaluate(ctx, params)
            except (ConfigError, KeyError, ValueError) as exc:
                errors[cid] = f"{type(exc).__name__}: {exc}"
                log.warning("signals: configuration %s failed: %s", cid, exc)
                continue
            except Exception as exc:
                # A defect in one strategy must not cost every other configuration its
                # signals (C3); the traceback goes to the log for whoever owns it.
                errors[cid] = f"{type(exc).__name__}: {exc}"
                log.exception("signals: configuration %s crashed", cid)
                continue
            ev = edge_from_forward(fwd, frame.entry, self._s.ev_prior_weight)
            frames[cid] = frame.with_expected_value(ev)
            signals[cid] = frames[cid].latest(cid, inputs.xray_scores)
        t2 = time.perf_counter()
        return EngineOutput(
            distinct, frames, signals, errors, len(needs),
            {"indicators": t1 - t0, "strategies": t2 - t1},
        )  # fmt: skip

    @staticmethod
    def fan_out(
        signals_by_config: Mapping[str, Sequence[Signal]],
        subscriptions: Iterable[Subscription],
        blacklist: BlacklistView | None = None,
    ) -> dict[int, list[Signal]]:
        """Return each subscribed user's signals, blacklisted symbols removed.

        Exits are never removed: a user holding a blacklisted symbol must still be told to
        leave it. A user with no signal gets an empty list.
        """
        view = blacklist if blacklist is not None else BlacklistView.empty()
        if view.block_entries:
            signals_by_config = {
                cid: [s for s in sigs if not s.side.is_entry]
                for cid, sigs in signals_by_config.items()
            }
        # Filter the global blacklist once per configuration, not once per user.
        shared = {
            cid: [s for s in sigs if not s.side.is_entry or s.symbol not in view.global_symbols]
            for cid, sigs in signals_by_config.items()
        }
        out: dict[int, list[Signal]] = defaultdict(list)
        for sub in subscriptions:
            mine = out[sub.user_id]
            sigs = shared.get(sub.config_id, [])
            own = view.for_user(sub.user_id)
            if own:
                mine.extend(s for s in sigs if not s.side.is_entry or s.symbol not in own)
            else:
                mine.extend(sigs)
        return dict(out)
