"""Order state machine: allowed paths, refused ones, venue mapping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simbiot.domain.errors import Conflict
from simbiot.domain.orders import OrderStatus
from simbiot.execution.state import (
    IN_FLIGHT,
    OrderState,
    can_transition,
    state_of_venue,
    transition,
)

S = OrderState


@pytest.mark.parametrize(
    "path",
    [
        [S.NEW, S.SUBMITTING, S.OPEN, S.PARTIALLY_FILLED, S.FILLED],
        [S.NEW, S.SUBMITTING, S.FILLED],
        [S.NEW, S.SUBMITTING, S.OPEN, S.PARTIALLY_FILLED, S.CANCELLED],
        [S.NEW, S.SUBMITTING, S.REJECTED],
        [S.NEW, S.SUBMITTING, S.UNKNOWN, S.RECONCILING, S.FILLED],
        [S.NEW, S.UNKNOWN, S.RECONCILING, S.REJECTED],
        [S.NEW, S.SUBMITTING, S.UNKNOWN, S.RECONCILING, S.UNKNOWN, S.RECONCILING, S.OPEN],
    ],
)
def test_allowed_paths(path: list[OrderState]) -> None:
    state = path[0]
    for target in path[1:]:
        state = transition(state, target)
    assert state is path[-1]


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.FILLED),  # never sent: cannot be filled without reconciliation
        (S.FILLED, S.CANCELLED),
        (S.CANCELLED, S.OPEN),
        (S.REJECTED, S.SUBMITTING),
        (S.UNKNOWN, S.SUBMITTING),  # an unknown order is never re-sent
        (S.UNKNOWN, S.FILLED),
        (S.OPEN, S.NEW),
    ],
)
def test_refused_transitions(current: OrderState, target: OrderState) -> None:
    assert not can_transition(current, target)
    with pytest.raises(Conflict):
        transition(current.value, target)


def test_final_and_in_flight_partition_states() -> None:
    finals = {s for s in S if s.is_final}
    assert finals == {S.FILLED, S.CANCELLED, S.REJECTED}
    assert set(IN_FLIGHT) | finals == set(S)
    assert all(can_transition(s, s) for s in S)


@pytest.mark.parametrize(
    ("status", "filled", "state"),
    [
        (OrderStatus.OPEN, Decimal(0), S.OPEN),
        (OrderStatus.OPEN, Decimal("0.1"), S.PARTIALLY_FILLED),
        (OrderStatus.CLOSED, Decimal(1), S.FILLED),
        (OrderStatus.CANCELED, Decimal("0.5"), S.CANCELLED),
        (OrderStatus.EXPIRED, Decimal(0), S.CANCELLED),
        (OrderStatus.REJECTED, Decimal(0), S.REJECTED),
    ],
)
def test_venue_mapping(status: OrderStatus, filled: Decimal, state: OrderState) -> None:
    assert state_of_venue(status, filled) is state
