"""Orders and fills held by the simulated venue, and their MEXC JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from simbiot.exchange.simulator.formats import fmt

__all__ = ["OPEN_STATUSES", "SimOrder", "SimTrade"]

OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})
ZERO = Decimal(0)


@dataclass(slots=True)
class SimOrder:
    """One order; mutated as it fills or is cancelled."""

    order_id: str
    client_order_id: str
    api_key: str
    market: int
    market_id: str
    side: str
    type: str
    price: Decimal | None
    orig_qty: Decimal
    orig_quote_qty: Decimal
    time_ms: int
    placed_index: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cumm_quote_qty: Decimal = ZERO
    locked: Decimal = ZERO
    update_ms: int = 0
    checked_index: int = 0

    @property
    def remaining(self) -> Decimal:
        """Quantity still to fill."""
        return self.orig_qty - self.executed_qty

    @property
    def is_open(self) -> bool:
        """Whether the order can still fill."""
        return self.status in OPEN_STATUSES

    def to_json(self) -> dict[str, object]:
        """Return the order as MEXC's query-order endpoint writes it."""
        return {
            "symbol": self.market_id,
            "orderId": self.order_id,
            "orderListId": -1,
            "clientOrderId": self.client_order_id,
            "price": fmt(self.price) if self.price is not None else "0",
            "origQty": fmt(self.orig_qty),
            "executedQty": fmt(self.executed_qty),
            "cummulativeQuoteQty": fmt(self.cumm_quote_qty),
            "status": self.status,
            "timeInForce": "",
            "type": self.type,
            "side": self.side,
            "stopPrice": "",
            "icebergQty": "",
            "time": self.time_ms,
            "updateTime": self.update_ms or self.time_ms,
            "isWorking": True,
            "origQuoteOrderQty": fmt(self.orig_quote_qty),
        }


@dataclass(frozen=True, slots=True)
class SimTrade:
    """One fill of one order."""

    trade_id: int
    order_id: str
    client_order_id: str
    api_key: str
    market_id: str
    side: str
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    is_maker: bool

    def to_json(self) -> dict[str, object]:
        """Return the fill as MEXC's account-trade-list endpoint writes it."""
        return {
            "symbol": self.market_id,
            "id": str(self.trade_id),
            "orderId": self.order_id,
            "orderListId": -1,
            "price": fmt(self.price),
            "qty": fmt(self.qty),
            "quoteQty": fmt(self.quote_qty),
            "commission": fmt(self.commission),
            "commissionAsset": self.commission_asset,
            "time": self.time_ms,
            "isBuyer": self.side == "BUY",
            "isMaker": self.is_maker,
            "isBestMatch": True,
            "isSelfTrade": False,
            "clientOrderId": self.client_order_id,
        }
