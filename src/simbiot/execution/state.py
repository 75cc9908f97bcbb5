"""The order state machine; every status change goes through :func:`transition`.

::

    new ──► submitting ──► open ──► partially_filled ──► filled
     │          │           │  ╲          │   ╲
     │          │           │   ╲         │    ► cancelled
     │          │           │    ► filled │
     │          │           ► cancelled   ► (more fills)
     │          ├──► rejected
     │          └──► unknown ──► reconciling ──► any venue state, or rejected (never placed)
     └──► unknown (written but maybe sent: a restart found it) ──► reconciling

``unknown`` means the venue may or may not have the order: it is never re-sent, only
looked up by client order id. A venue can report any later state at once (a market
order is ``filled`` in its first answer), so forward jumps are allowed.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from simbiot.domain.errors import Conflict
from simbiot.domain.orders import OrderStatus

__all__ = ["IN_FLIGHT", "OrderState", "can_transition", "state_of_venue", "transition"]


class OrderState(StrEnum):
    """Our view of an order (the ``status`` column of the orders table)."""

    NEW = "new"
    SUBMITTING = "submitting"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    RECONCILING = "reconciling"

    @property
    def is_final(self) -> bool:
        """Whether the order can no longer change."""
        return self in _FINAL


_FINAL = frozenset({OrderState.FILLED, OrderState.CANCELLED, OrderState.REJECTED})
_VENUE_STATES = frozenset(
    {
        OrderState.OPEN,
        OrderState.PARTIALLY_FILLED,
        OrderState.FILLED,
        OrderState.CANCELLED,
        OrderState.REJECTED,
    }
)
_ALLOWED: dict[OrderState, frozenset[OrderState]] = {
    OrderState.NEW: frozenset({OrderState.SUBMITTING, OrderState.UNKNOWN, OrderState.REJECTED}),
    OrderState.SUBMITTING: _VENUE_STATES | {OrderState.UNKNOWN},
    OrderState.OPEN: frozenset(
        {
            OrderState.PARTIALLY_FILLED,
            OrderState.FILLED,
            OrderState.CANCELLED,
            OrderState.UNKNOWN,
        }
    ),
    OrderState.PARTIALLY_FILLED: frozenset(
        {OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELLED, OrderState.UNKNOWN}
    ),
    OrderState.UNKNOWN: frozenset({OrderState.RECONCILING}),
    OrderState.RECONCILING: _VENUE_STATES | {OrderState.UNKNOWN},
    OrderState.FILLED: frozenset(),
    OrderState.CANCELLED: frozenset(),
    OrderState.REJECTED: frozenset(),
}

# States whose outcome at the venue is not settled: reconciliation looks at these.
IN_FLIGHT: tuple[str, ...] = (
    OrderState.NEW,
    OrderState.SUBMITTING,
    OrderState.OPEN,
    OrderState.PARTIALLY_FILLED,
    OrderState.UNKNOWN,
    OrderState.RECONCILING,
)


def can_transition(current: OrderState, target: OrderState) -> bool:
    """Whether ``current`` may become ``target`` (staying in place is always allowed)."""
    return current is target or target in _ALLOWED[current]


def transition(current: OrderState | str, target: OrderState) -> OrderState:
    """Return ``target`` if the move is allowed, else raise ``Conflict``."""
    state = OrderState(current)
    if not can_transition(state, target):
        raise Conflict(f"order cannot go from {state.value} to {target.value}")
    return target


def state_of_venue(status: OrderStatus, filled: Decimal) -> OrderState:
    """Map the venue's status (and filled amount) to our state."""
    if status is OrderStatus.OPEN:
        return OrderState.PARTIALLY_FILLED if filled > 0 else OrderState.OPEN
    if status is OrderStatus.CLOSED:
        return OrderState.FILLED
    if status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
        return OrderState.CANCELLED
    return OrderState.REJECTED
