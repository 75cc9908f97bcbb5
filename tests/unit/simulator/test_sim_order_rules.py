"""New-order parameter checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.market import Markets
from simbiot.exchange.simulator.order_rules import parse_order_request

PRICE = Decimal("60000")


def _check(markets: Markets, **params: str) -> int:
    with pytest.raises(SimApiError) as info:
        parse_order_request(params, 0, markets.universe, PRICE)
    return info.value.code


def test_valid_limit_and_market(markets: Markets) -> None:
    req = parse_order_request(
        {
            "side": "buy",
            "type": "limit",
            "quantity": "0.01",
            "price": "59000.5",
            "newClientOrderId": "a",
        },
        0,
        markets.universe,
        PRICE,
    )
    assert (req.side, req.type, req.quantity, req.price, req.client_order_id) == (
        "BUY",
        "LIMIT",
        Decimal("0.01"),
        Decimal("59000.5"),
        "a",
    )
    market = parse_order_request(
        {"side": "SELL", "type": "MARKET", "quantity": "0.01", "price": "1"},
        0,
        markets.universe,
        PRICE,
    )
    assert market.price is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"side": "HOLD", "type": "LIMIT"}, 400),
        ({"side": "BUY", "type": "STOP"}, 400),
        ({"side": "BUY", "type": "MARKET"}, 400),
        ({"side": "BUY", "type": "LIMIT", "quantity": "1"}, 400),
        ({"side": "BUY", "type": "MARKET", "quantity": "abc"}, 400),
        ({"side": "BUY", "type": "MARKET", "quantity": "-1"}, 10102),
        ({"side": "BUY", "type": "MARKET", "quantity": "0.0000001"}, 10096),
        ({"side": "BUY", "type": "LIMIT", "quantity": "0.01", "price": "60000.001"}, 30087),
        ({"side": "BUY", "type": "MARKET", "quantity": "0.00001"}, 30002),
        ({"side": "BUY", "type": "LIMIT", "quantity": "0.01", "price": "1"}, 30002),
        ({"side": "BUY", "type": "MARKET", "quoteOrderQty": "0.5"}, 30002),
        ({"side": "BUY", "type": "MARKET", "quantity": "1", "newClientOrderId": "x" * 65}, 400),
    ],
)
def test_rejections(markets: Markets, params: dict[str, str], code: int) -> None:
    assert _check(markets, **params) == code
