"""Parsing of ccxt's unified markets, tickers, orders, trades and balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from simbiot.domain.errors import MalformedPayload
from simbiot.domain.market import MarketStatus
from simbiot.domain.orders import ExchangeOrder, OrderSide, OrderStatus, OrderType
from simbiot.exchange.ccxt.markets import (
    DECIMAL_PLACES,
    SIGNIFICANT_DIGITS,
    TICK_SIZE,
    parse_markets,
    to_step,
)
from simbiot.exchange.ccxt.orders import parse_balance, parse_order, parse_trade
from simbiot.exchange.ccxt.tickers import parse_ticker, parse_tickers


def market(**over: Any) -> dict[str, Any]:
    m: dict[str, Any] = {
        "id": "BTCUSDT",
        "symbol": "BTC/USDT",
        "base": "BTC",
        "quote": "USDT",
        "spot": True,
        "active": True,
        "precision": {"price": 0.01, "amount": 1e-06},
        "limits": {"amount": {"min": 1e-05}, "cost": {"min": 5.0}},
        "info": {"isSpotTradingAllowed": True},
    }
    m.update(over)
    return m


def test_market_info_from_tick_size_precision() -> None:
    out = parse_markets("mexc", {"BTC/USDT": market()}, TICK_SIZE)
    info = out["BTC/USDT"]
    assert info.price_step == Decimal("0.01")
    assert info.amount_step == Decimal("0.000001")
    assert info.min_amount == Decimal("0.00001")
    assert info.min_notional == Decimal("5.0")
    assert info.exchange_id == "BTCUSDT"
    assert info.tradable


def test_status_api_tradability_and_skipped_markets() -> None:
    raw = {
        "A/USDT": market(symbol="A/USDT", active=False),
        "B/USDT": market(symbol="B/USDT", info={"isSpotTradingAllowed": "false"}),
        "C/USDT:USDT": market(symbol="C/USDT:USDT", spot=False),
        "D/USDT": market(symbol="D/USDT", precision={"price": None, "amount": 1}),
        "E/USDT": "garbage",
        "F/USDT": market(symbol="F/USDT", limits={}, info=None),
    }
    out = parse_markets("mexc", raw, TICK_SIZE)
    assert set(out) == {"A/USDT", "B/USDT", "F/USDT"}
    assert out["A/USDT"].status is MarketStatus.HALTED
    assert not out["B/USDT"].api_tradable
    assert not out["B/USDT"].tradable
    assert out["F/USDT"].min_notional == 0
    with pytest.raises(MalformedPayload):
        parse_markets("mexc", None, TICK_SIZE)
    with pytest.raises(MalformedPayload, match="all 2 markets"):
        parse_markets("mexc", {"A": "x", "B": market(precision={})}, TICK_SIZE)
    assert parse_markets("mexc", {}, TICK_SIZE) == {}


def test_precision_modes() -> None:
    assert to_step(2, DECIMAL_PLACES) == Decimal("0.01")
    assert to_step(0, DECIMAL_PLACES) == Decimal(1)
    assert to_step(1.5, DECIMAL_PLACES) is None
    assert to_step(3, SIGNIFICANT_DIGITS) is None
    assert to_step(0, TICK_SIZE) is None
    assert to_step(-1, TICK_SIZE) is None
    assert to_step("nan", TICK_SIZE) is None
    assert to_step(True, TICK_SIZE) is None


def test_tickers_skip_malformed_items() -> None:
    raw = {
        "BTC/USDT": {
            "symbol": "BTC/USDT",
            "last": 100.0,
            "bid": 99.0,
            "ask": 101.0,
            "timestamp": 5,
            "baseVolume": 3,
            "quoteVolume": 300,
            "percentage": 1.5,
        },
        "NOLAST/USDT": {"symbol": "NOLAST/USDT", "last": None},
        "NEG/USDT": {"symbol": "NEG/USDT", "last": -1},
        "STR/USDT": "string indices must be integers",
        "CLOSE/USDT": {"symbol": "CLOSE/USDT", "close": 2.0, "bid": "x"},
    }
    out = parse_tickers(raw, exchange="mexc", now_ms=77)
    assert set(out) == {"BTC/USDT", "CLOSE/USDT"}
    assert out["BTC/USDT"].spread == pytest.approx(0.02)
    assert out["BTC/USDT"].change_pct == 1.5
    assert out["CLOSE/USDT"].timestamp == 77
    assert out["CLOSE/USDT"].bid is None
    assert parse_ticker(None, 0) is None
    with pytest.raises(MalformedPayload):
        parse_tickers([1, 2], exchange="mexc", now_ms=0)
    with pytest.raises(MalformedPayload, match="all 2 tickers"):
        parse_tickers({"A": {"symbol": "A", "last": None}, "B": "x"}, exchange="mexc", now_ms=0)
    assert parse_tickers({}, exchange="mexc", now_ms=0) == {}


def order(**over: Any) -> dict[str, Any]:
    o: dict[str, Any] = {
        "id": "42",
        "clientOrderId": "c-1",
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "limit",
        "status": "open",
        "amount": 0.5,
        "filled": 0.1,
        "price": 100.5,
        "average": None,
        "timestamp": 1_700_000_000_000,
        "fee": {"cost": 0.01, "currency": "USDT"},
    }
    o.update(over)
    return o


def test_order_parsing_and_fallback_for_sparse_create_responses() -> None:
    o = parse_order(order(), exchange="mexc")
    assert (o.order_id, o.client_order_id, o.side, o.type) == (
        "42",
        "c-1",
        OrderSide.BUY,
        OrderType.LIMIT,
    )
    assert o.amount == Decimal("0.5")
    assert o.remaining == Decimal("0.4")
    assert o.price == Decimal("100.5")
    assert o.fee_cost == Decimal("0.01")
    sent = ExchangeOrder(
        "mexc",
        "BTC/USDT",
        "",
        "c-2",
        OrderSide.SELL,
        OrderType.MARKET,
        OrderStatus.OPEN,
        Decimal(2),
        Decimal(0),
        None,
        None,
        9,
    )
    sparse = parse_order({"id": 7, "symbol": "BTC/USDT"}, exchange="mexc", fallback=sent)
    assert (sparse.order_id, sparse.client_order_id, sparse.side) == ("7", "c-2", OrderSide.SELL)
    assert sparse.amount == 2
    assert sparse.timestamp_ms == 9
    assert sparse.status is OrderStatus.OPEN
    assert parse_order(order(status="canceled"), exchange="m").status.is_final


@pytest.mark.parametrize(
    "raw", ["x", order(id=None), order(side="sideways"), order(type="iceberg"), order(symbol=None)]
)
def test_bad_orders_raise_malformed(raw: Any) -> None:
    with pytest.raises(MalformedPayload):
        parse_order(raw, exchange="mexc")


def test_trade_parsing() -> None:
    raw = {
        "id": "t1",
        "order": "42",
        "symbol": "BTC/USDT",
        "side": "sell",
        "price": 10.0,
        "amount": 2.0,
        "cost": None,
        "fee": {"cost": "0.02", "currency": "USDT"},
        "timestamp": 5,
        "takerOrMaker": "taker",
    }
    t = parse_trade(raw, exchange="mexc")
    assert t is not None
    assert t.cost == Decimal("20.0")
    assert t.fee_cost == Decimal("0.02")
    assert t.taker is True
    assert parse_trade({**raw, "price": None}, exchange="mexc") is None
    assert parse_trade({**raw, "side": None}, exchange="mexc") is None
    assert parse_trade(3, exchange="mexc") is None


def test_balance_parsing() -> None:
    raw = {"free": {"USDT": 10.5, "BTC": 0, "ETH": None}, "used": {"USDT": 1, "BNB": 2, "ETH": 0}}
    out = parse_balance(raw, exchange="mexc")
    assert set(out) == {"USDT", "BNB"}
    assert out["USDT"].total == Decimal("11.5")
    # What ccxt makes of a balance whose numbers arrived as objects.
    with pytest.raises(MalformedPayload, match="USDT"):
        parse_balance({"free": {"USDT": None}, "used": {"USDT": None}}, exchange="mexc")
    with pytest.raises(MalformedPayload):
        parse_balance({"free": []}, exchange="mexc")
    with pytest.raises(MalformedPayload):
        parse_balance("x", exchange="mexc")
