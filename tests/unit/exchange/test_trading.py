from __future__ import annotations

import dataclasses
import random
from decimal import Decimal
from typing import Any

import ccxt
import pytest
from exchange_fakes import FakeCcxt, spot_market

from simbiot.config.sections import ExchangeSettings, RetrySettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import (
    InsufficientFunds,
    InvalidOrder,
    MalformedPayload,
    NetworkError,
    NonRetryableError,
    RateLimited,
)
from simbiot.domain.orders import OrderSide, OrderStatus, OrderType
from simbiot.exchange.capabilities import capabilities
from simbiot.exchange.ccxt.market_data import CcxtMarketData
from simbiot.exchange.ccxt.trading import CcxtTrading
from simbiot.exchange.pool import ConnectionPool
from simbiot.exchange.ports import TradingPort
from simbiot.exchange.retry import RetryPolicy
from simbiot.exchange.throttle import MemoryRateLimiter, account_limit_id, orders_limit_id

SETTINGS = ExchangeSettings(retry=RetrySettings(attempts=3, base_delay_s=0.1, max_delay_s=2.0))


def build(
    client: FakeCcxt, *, public: FakeCcxt | None = None
) -> tuple[CcxtTrading, MemoryRateLimiter]:
    clock = SimulatedClock(1_000)
    limiter = MemoryRateLimiter(clock)
    pool = ConnectionPool("mexc", 10)
    retry = RetryPolicy(SETTINGS.retry, clock, random.Random(0))
    source = None
    if public is not None:
        source = CcxtMarketData(public, "mexc", SETTINGS, limiter, pool, retry, clock)
    trading = CcxtTrading(
        client, "mexc", SETTINGS, limiter, pool, retry, clock, account="u1:a1", markets_from=source
    )
    return trading, limiter


def raw_order(**over: Any) -> dict[str, Any]:
    o = {
        "id": "9",
        "clientOrderId": "cid-1",
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "limit",
        "status": "open",
        "amount": 1.0,
        "filled": 0.0,
        "price": 10.0,
        "timestamp": 5,
    }
    o.update(over)
    return o


@pytest.fixture
def client() -> FakeCcxt:
    return FakeCcxt({"BTC/USDT": spot_market("BTC/USDT")})


async def test_create_order_sends_client_id_once(client: FakeCcxt) -> None:
    trading, limiter = build(client)
    assert isinstance(trading, TradingPort)
    assert limiter.is_registered(account_limit_id("mexc", "u1:a1"))
    assert limiter.is_registered(orders_limit_id("mexc", "u1:a1"))
    client.script["create_order"].append(raw_order())
    order = await trading.create_order(
        "BTC/USDT", OrderSide.BUY, OrderType.LIMIT, Decimal("1"), Decimal("10"), "cid-1"
    )
    assert (order.order_id, order.client_order_id, order.status) == ("9", "cid-1", OrderStatus.OPEN)
    name, args = client.calls[-1]
    assert name == "create_order"
    assert args == ("BTC/USDT", "limit", "buy", 1.0, 10.0, {"clientOrderId": "cid-1"})


@pytest.mark.parametrize(
    "failure",
    [
        ccxt.RequestTimeout("t"),
        ccxt.ExchangeNotAvailable("conn reset"),
        TypeError("bad json"),
        RuntimeError("?"),
    ],
)
async def test_unknown_outcome_is_network_error_and_never_retried(
    client: FakeCcxt, failure: Exception
) -> None:
    trading, _ = build(client)
    client.script["create_order"].append(failure)
    with pytest.raises(NetworkError, match="outcome of order cid-2 unknown"):
        await trading.create_order(
            "BTC/USDT", OrderSide.SELL, OrderType.MARKET, Decimal("1"), None, "cid-2"
        )
    assert [c for c, _ in client.calls].count("create_order") == 1


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (ccxt.InsufficientFunds("x"), InsufficientFunds),
        (ccxt.InvalidOrder("x"), InvalidOrder),
        (ccxt.RateLimitExceeded("x"), RateLimited),
    ],
)
async def test_definite_refusals_keep_their_class(
    client: FakeCcxt, failure: Exception, expected: type[Exception]
) -> None:
    trading, _ = build(client)
    client.script["create_order"].append(failure)
    with pytest.raises(expected):
        await trading.create_order(
            "BTC/USDT", OrderSide.BUY, OrderType.MARKET, Decimal("1"), None, "cid-3"
        )
    assert [c for c, _ in client.calls].count("create_order") == 1


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"client_order_id": "x" * 33}, "client order id"),
        ({"price": None}, "needs a price"),
        ({"amount": Decimal(0)}, "positive"),
    ],
)
async def test_order_checks_before_sending(
    client: FakeCcxt, kw: dict[str, Any], match: str
) -> None:
    trading, _ = build(client)
    args: dict[str, Any] = {
        "symbol": "BTC/USDT",
        "side": OrderSide.BUY,
        "type": OrderType.LIMIT,
        "amount": Decimal(1),
        "price": Decimal(1),
        "client_order_id": "c",
    }
    args.update(kw)
    with pytest.raises(InvalidOrder, match=match):
        await trading.create_order(**args)
    assert client.calls == []


async def test_lookup_cancel_and_reads(client: FakeCcxt) -> None:
    trading, _ = build(client)
    client.script["fetch_order"] += [ccxt.OrderNotFound("-2013"), raw_order(status="closed")]
    assert await trading.fetch_order_by_client_id("BTC/USDT", "cid-1") is None
    found = await trading.fetch_order_by_client_id("BTC/USDT", "cid-1")
    assert found is not None
    assert found.status is OrderStatus.CLOSED
    assert client.calls[-1] == ("fetch_order", (None, "BTC/USDT", {"clientOrderId": "cid-1"}))
    client.script["cancel_order"] += [ccxt.RequestTimeout("t"), raw_order(status="canceled")]
    canceled = await trading.cancel_order("BTC/USDT", "9")
    assert canceled is not None
    assert canceled.status is OrderStatus.CANCELED
    client.script["cancel_order"].append(ccxt.OrderNotFound("unknown order"))
    assert await trading.cancel_order("BTC/USDT", "9") is None
    client.script["fetch_open_orders"].append([raw_order()])
    assert [o.order_id for o in await trading.fetch_open_orders()] == ["9"]
    client.script["fetch_open_orders"].append({"oops": 1})
    with pytest.raises(MalformedPayload):
        await trading.fetch_open_orders("BTC/USDT")
    trade = {
        "id": "t",
        "order": "9",
        "symbol": "BTC/USDT",
        "side": "buy",
        "price": 1,
        "amount": 1,
        "timestamp": 10,
    }
    client.script["fetch_my_trades"].append(
        [{**trade, "id": "b", "timestamp": 20}, trade, {**trade, "timestamp": 1}, "junk"]
    )
    trades = await trading.fetch_my_trades("BTC/USDT", since_ms=5)
    assert [(t.trade_id, t.timestamp_ms) for t in trades] == [("t", 10), ("b", 20)]
    client.script["fetch_balance"].append({"free": {"USDT": 5}, "used": {"USDT": 1}})
    assert (await trading.fetch_balance())["USDT"].total == 6
    await trading.close()
    assert client.closed


async def test_markets_come_from_the_public_client(client: FakeCcxt) -> None:
    public = FakeCcxt({"BTC/USDT": spot_market("BTC/USDT")})
    private = FakeCcxt()
    trading, _ = build(private, public=public)
    private.script["fetch_balance"].append({"free": {}, "used": {}})
    await trading.fetch_balance()
    assert set(private.markets) == {"BTC/USDT"}
    assert ("fetch_spot_markets", ()) not in private.calls
    assert ("fetch_spot_markets", ()) in public.calls
    # Without a public source the private client loads spot markets itself.
    alone = FakeCcxt({"BTC/USDT": spot_market("BTC/USDT")})
    trading2, _ = build(alone)
    alone.script["fetch_balance"].append({"free": {}, "used": {}})
    await trading2.fetch_balance()
    assert ("fetch_spot_markets", ()) in alone.calls


async def test_venue_needing_a_symbol_for_open_orders(
    client: FakeCcxt, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simbiot.exchange.ccxt import trading as module

    strict = dataclasses.replace(capabilities("mexc"), open_orders_needs_symbol=True)
    monkeypatch.setattr(module, "capabilities", lambda venue: strict)
    trading, _ = build(client)
    with pytest.raises(NonRetryableError, match="per symbol"):
        await trading.fetch_open_orders()
    assert client.calls == []
