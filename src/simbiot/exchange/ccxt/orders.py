"""Turn ccxt's unified orders, trades and balances into domain values."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from simbiot.domain.errors import MalformedPayload
from simbiot.domain.orders import (
    Balance,
    ExchangeOrder,
    ExchangeTrade,
    OrderSide,
    OrderStatus,
    OrderType,
)

__all__ = ["parse_balance", "parse_order", "parse_trade"]

log = logging.getLogger(__name__)

_STATUS = {
    "open": OrderStatus.OPEN,
    "closed": OrderStatus.CLOSED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _fee(raw: Mapping[str, Any]) -> tuple[Decimal, str | None]:
    fee = raw.get("fee")
    if isinstance(fee, Mapping):
        cost = _dec(fee.get("cost"))
        currency = fee.get("currency")
        return cost or Decimal(0), currency if isinstance(currency, str) else None
    return Decimal(0), None


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def parse_order(
    raw: Any,
    *,
    exchange: str,
    fallback: ExchangeOrder | None = None,
) -> ExchangeOrder:
    """Return the order; fields the venue left out come from ``fallback`` (what we sent)."""
    if not isinstance(raw, Mapping):
        raise MalformedPayload(f"{exchange}: order response is {type(raw).__name__}")
    order_id = _str(raw.get("id")) or (fallback.order_id if fallback else None)
    symbol = raw.get("symbol") or (fallback.symbol if fallback else None)
    side_raw = raw.get("side") or (fallback.side if fallback else None)
    type_raw = raw.get("type") or (fallback.type if fallback else None)
    if order_id is None or not isinstance(symbol, str) or side_raw is None:
        raise MalformedPayload(f"{exchange}: order without id, symbol or side: {dict(raw)!r:.200}")
    try:
        side = OrderSide(str(side_raw).lower())
        type_ = OrderType(str(type_raw).lower()) if type_raw else OrderType.LIMIT
    except ValueError as exc:
        raise MalformedPayload(f"{exchange}: order {order_id}: {exc}") from exc
    status = _STATUS.get(str(raw.get("status") or "").lower())
    if status is None:
        status = fallback.status if fallback else OrderStatus.OPEN
    amount = _dec(raw.get("amount"))
    if amount is None:
        amount = fallback.amount if fallback else Decimal(0)
    filled = _dec(raw.get("filled")) or Decimal(0)
    fee_cost, fee_currency = _fee(raw)
    ts = raw.get("timestamp")
    return ExchangeOrder(
        exchange=exchange,
        symbol=symbol,
        order_id=order_id,
        client_order_id=_str(raw.get("clientOrderId"))
        or (fallback.client_order_id if fallback else None),
        side=side,
        type=type_,
        status=status,
        amount=amount,
        filled=filled,
        price=_dec(raw.get("price")) or (fallback.price if fallback else None),
        average=_dec(raw.get("average")),
        timestamp_ms=int(ts)
        if isinstance(ts, int | float)
        else (fallback.timestamp_ms if fallback else 0),
        fee_cost=fee_cost,
        fee_currency=fee_currency,
    )


def parse_trade(raw: Any, *, exchange: str) -> ExchangeTrade | None:
    """Return the fill, or None (logged) when the record is unusable."""
    if not isinstance(raw, Mapping):
        return None
    trade_id, symbol = _str(raw.get("id")), raw.get("symbol")
    price, amount = _dec(raw.get("price")), _dec(raw.get("amount"))
    ts = raw.get("timestamp")
    try:
        side = OrderSide(str(raw.get("side")).lower())
    except ValueError:
        side = None
    if (
        trade_id is None
        or not isinstance(symbol, str)
        or side is None
        or price is None
        or amount is None
        or not isinstance(ts, int | float)
    ):
        log.warning("%s: unusable trade record skipped: %r", exchange, dict(raw))
        return None
    cost = _dec(raw.get("cost"))
    fee_cost, fee_currency = _fee(raw)
    taker = raw.get("takerOrMaker")
    return ExchangeTrade(
        exchange=exchange,
        symbol=symbol,
        trade_id=trade_id,
        order_id=_str(raw.get("order")),
        side=side,
        price=price,
        amount=amount,
        cost=cost if cost is not None else price * amount,
        fee_cost=fee_cost,
        fee_currency=fee_currency,
        timestamp_ms=int(ts),
        taker=None if taker is None else taker == "taker",
    )


def parse_balance(raw: Any, *, exchange: str) -> dict[str, Balance]:
    """Return non-zero balances by currency from ccxt's balance structure.

    A currency the venue listed but whose amounts cannot be read makes the whole balance
    ``MalformedPayload``: a partial balance would look like missing funds.
    """
    if not isinstance(raw, Mapping):
        raise MalformedPayload(f"{exchange}: balance response is {type(raw).__name__}")
    free, used = raw.get("free"), raw.get("used")
    if not isinstance(free, Mapping) or not isinstance(used, Mapping):
        raise MalformedPayload(f"{exchange}: balance without free/used maps")
    out: dict[str, Balance] = {}
    unreadable: list[str] = []
    for currency in sorted(set(free) | set(used)):
        f, u = _dec(free.get(currency)), _dec(used.get(currency))
        if f is None and u is None:
            unreadable.append(str(currency))
            continue
        f, u = f or Decimal(0), u or Decimal(0)
        if f or u:
            out[str(currency)] = Balance(str(currency), f, u)
    if unreadable:
        raise MalformedPayload(f"{exchange}: unreadable balance of {', '.join(unreadable[:20])}")
    return out
