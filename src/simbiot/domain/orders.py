"""Order values as an exchange reports them: orders, trades (fills) and balances.

Prices, amounts and fees are ``Decimal`` because they reach (or come from) an exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "Balance",
    "ExchangeOrder",
    "ExchangeTrade",
    "OrderSide",
    "OrderStatus",
    "OrderType",
]


class OrderSide(StrEnum):
    """Direction of an order."""

    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    """Kind of an order."""

    MARKET = "market"
    LIMIT = "limit"


class OrderStatus(StrEnum):
    """Life-cycle state of an order on the venue."""

    OPEN = "open"  # resting, possibly partially filled
    CLOSED = "closed"  # fully filled
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"

    @property
    def is_final(self) -> bool:
        """Whether the order can no longer change."""
        return self is not OrderStatus.OPEN


@dataclass(frozen=True, slots=True)
class ExchangeOrder:
    """An order as the venue knows it."""

    exchange: str
    symbol: str
    order_id: str
    client_order_id: str | None
    side: OrderSide
    type: OrderType
    status: OrderStatus
    amount: Decimal
    filled: Decimal
    price: Decimal | None  # limit price; None for market orders
    average: Decimal | None  # average fill price, None before any fill
    timestamp_ms: int
    fee_cost: Decimal = Decimal(0)
    fee_currency: str | None = None

    @property
    def remaining(self) -> Decimal:
        """Amount not filled yet."""
        return max(self.amount - self.filled, Decimal(0))


@dataclass(frozen=True, slots=True)
class ExchangeTrade:
    """One fill of one of our orders."""

    exchange: str
    symbol: str
    trade_id: str
    order_id: str | None
    side: OrderSide
    price: Decimal
    amount: Decimal
    cost: Decimal
    fee_cost: Decimal
    fee_currency: str | None
    timestamp_ms: int
    taker: bool | None = None


@dataclass(frozen=True, slots=True)
class Balance:
    """Holdings of one currency in one account."""

    currency: str
    free: Decimal
    used: Decimal

    @property
    def total(self) -> Decimal:
        """Free plus locked in open orders."""
        return self.free + self.used
