"""The signal step after an X-ray: every subscribed configuration evaluated once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from simbiot.analysis.xray.engine import XRayResult
from simbiot.domain.errors import ConfigError
from simbiot.services.container import Container
from simbiot.signals import SignalCycleResult, SignalInputs, StrategyRegistry, Subscription

__all__ = ["ANONYMOUS_USER", "run_signal_cycle", "strategy_subscriptions"]

# The user id of signals asked for from the command line (no account behind them).
ANONYMOUS_USER = 0


def strategy_subscriptions(
    registry: StrategyRegistry, names: Sequence[str] | None = None, *, user_id: int = ANONYMOUS_USER
) -> list[Subscription]:
    """Subscribe ``user_id`` to the default configuration of each named strategy (all when None)."""
    wanted = list(names) if names else [s.name for s in registry]
    unknown = [n for n in wanted if n not in registry]
    if unknown:
        known = ", ".join(sorted(s.name for s in registry))
        raise ConfigError(f"unknown strategy {', '.join(unknown)}; known: {known}")
    return [Subscription(user_id, registry.default_config(name)) for name in wanted]


async def run_signal_cycle(
    container: Container, xray: XRayResult, subscriptions: Iterable[Subscription]
) -> SignalCycleResult:
    """Evaluate each distinct configuration over the X-ray's symbols; cache, publish, store."""
    return await container.signal_service.run_cycle(SignalInputs.from_xray(xray), subscriptions)
