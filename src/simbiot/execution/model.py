"""Execution values: an order request, its key in the ledger, and the result of executing it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from simbiot.domain.orders import OrderSide, OrderType
from simbiot.execution.state import OrderState

__all__ = ["ExecutionResult", "OrderKey", "OrderRequest", "PositionLevels", "new_client_order_id"]


def new_client_order_id(prefix: str) -> str:
    """Return a fresh client order id: ``prefix`` and 24 hex digits (fits every venue's 32)."""
    return f"{prefix}{uuid.uuid4().hex[:24]}"


@dataclass(frozen=True, slots=True)
class OrderKey:
    """What identifies an order in the ledger and at the venue."""

    user_id: int
    exchange: str
    account_ref: str
    client_order_id: str


@dataclass(frozen=True, slots=True)
class PositionLevels:
    """Exit levels given to the position an entry opens."""

    stop_price: Decimal | None = None
    take_profit: Decimal | None = None
    trail_pct: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One order to place for one user account (``paper:<bot_id>`` for paper trading)."""

    user_id: int
    bot_id: int | None
    exchange: str
    account_ref: str
    symbol: str
    side: OrderSide
    type: OrderType
    amount: Decimal
    price: Decimal | None  # limit price; for market orders the reference price, if known
    client_order_id: str
    levels: PositionLevels | None = None

    @property
    def key(self) -> OrderKey:
        """The order's ledger key."""
        return OrderKey(self.user_id, self.exchange, self.account_ref, self.client_order_id)


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """Where an order stands after an executor handled it."""

    key: OrderKey
    state: OrderState
    filled: Decimal = Decimal(0)
    average: Decimal | None = None
    fee: Decimal = Decimal(0)
    reason: str | None = None
    fills_booked: int = 0
