"""Parse and check a new-order request against a market's rules, as MEXC does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.universe import Universe

__all__ = ["ORDER_TYPES", "OrderRequest", "parse_order_request"]

ORDER_TYPES = frozenset({"LIMIT", "MARKET", "LIMIT_MAKER", "IMMEDIATE_OR_CANCEL", "FILL_OR_KILL"})


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A checked new-order request."""

    market: int
    side: str
    type: str
    quantity: Decimal | None
    quote_qty: Decimal | None
    price: Decimal | None
    client_order_id: str | None


def _decimal(params: Mapping[str, str], name: str) -> Decimal | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SimApiError.bad_param(f"Parameter '{name}' is not a number.") from None
    if not value.is_finite() or value <= 0:
        raise SimApiError(10102, f"{name} cannot be zero or negative")
    return value


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_order_request(
    params: Mapping[str, str], market: int, universe: Universe, reference_price: Decimal
) -> OrderRequest:
    """Return the checked request; raise MEXC's error for the first rule broken.

    ``reference_price`` (the market's last price) values market orders for the
    minimum-notional check.
    """
    side = params.get("side", "").upper()
    kind = params.get("type", "").upper()
    if side not in ("BUY", "SELL"):
        raise SimApiError.bad_param("Parameter 'side' must be BUY or SELL.")
    if kind not in ORDER_TYPES:
        raise SimApiError.bad_param(f"Unsupported order type {kind or 'null'}.")
    quantity = _decimal(params, "quantity")
    quote_qty = _decimal(params, "quoteOrderQty")
    price = _decimal(params, "price")
    amount_dec = int(universe.amount_decimals[market])
    price_dec = int(universe.price_decimals[market])
    if kind == "MARKET":
        if quantity is None and quote_qty is None:
            raise SimApiError.bad_param("Parameter 'quantity' or 'quoteOrderQty' must be sent.")
        price = None
    elif quantity is None or price is None:
        raise SimApiError.bad_param("Parameters 'quantity' and 'price' are mandatory.")
    if quantity is not None and _places(quantity) > amount_dec:
        raise SimApiError(10096, "amount decimal places is too long")
    if price is not None and _places(price) > price_dec:
        raise SimApiError(30087, "Order price exceeds allowed range")
    min_qty = Decimal(1).scaleb(-amount_dec)
    if quantity is not None and quantity < min_qty:
        raise SimApiError(30002, f"The minimum transaction volume cannot be less than :{min_qty}")
    min_notional = Decimal(repr(float(universe.min_notional[market])))
    notional = quote_qty if quantity is None else quantity * (price or reference_price)
    if notional is not None and notional < min_notional:
        raise SimApiError(
            30002, f"The minimum transaction volume cannot be less than :{min_notional}USDT"
        )
    client_id = params.get("newClientOrderId") or None
    if client_id is not None and len(client_id) > 64:
        raise SimApiError.bad_param("Parameter 'newClientOrderId' is longer than 64.")
    return OrderRequest(market, side, kind, quantity, quote_qty, price, client_id)
