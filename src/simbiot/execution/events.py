"""Trading events (fills, exits, risk alerts) and the sinks they go to.

The notifier subscribes to what the bus sink publishes: ``alerts.<severity>`` for risk
alerts and ``orders.<user_id>`` for order outcomes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from simbiot.bus import topics
from simbiot.bus.port import Bus

__all__ = [
    "BusEventSink",
    "DrawdownAlert",
    "Event",
    "EventSink",
    "ExitExecuted",
    "LiquidityDrop",
    "MemoryEventSink",
    "NearStop",
]


@dataclass(frozen=True, slots=True)
class NearStop:
    """A position's price is within a configured share of its stop distance."""

    user_id: int
    symbol: str
    price: Decimal
    stop_price: Decimal


@dataclass(frozen=True, slots=True)
class DrawdownAlert:
    """An account fell this far below its peak equity."""

    user_id: int
    account_ref: str
    drawdown: Decimal


@dataclass(frozen=True, slots=True)
class LiquidityDrop:
    """A held symbol trades at this ratio of its usual volume."""

    user_id: int
    symbol: str
    ratio: float


@dataclass(frozen=True, slots=True)
class ExitExecuted:
    """An exit (stop, target, trailing, time, partial) was executed or refused."""

    user_id: int
    symbol: str
    kind: str
    client_order_id: str
    state: str
    amount: Decimal


Event = NearStop | DrawdownAlert | LiquidityDrop | ExitExecuted


@runtime_checkable
class EventSink(Protocol):
    """Where events go (the bus, a notifier, a list in tests)."""

    async def emit(self, event: Event) -> None:
        """Deliver one event; never raise for a delivery problem the caller cannot fix."""
        ...


class MemoryEventSink:
    """Keeps events in a list (embedded mode, tests)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def emit(self, event: Event) -> None:
        self.events.append(event)


def _payload(event: Event) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(event).items()}


class BusEventSink:
    """Publishes risk alerts on ``alerts.warning`` and exits on ``orders.<user_id>``."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus

    async def emit(self, event: Event) -> None:
        kind = type(event).__name__
        if isinstance(event, ExitExecuted):
            topic = topics.orders(event.user_id)
        else:
            topic = topics.alerts("warning")
        await self._bus.publish(topic, _payload(event), type=f"trading.{kind}")
