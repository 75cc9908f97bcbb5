"""``CcxtTrading`` against the simulator through real ccxt: the order life cycle."""

from __future__ import annotations

import uuid
from decimal import ROUND_DOWN, Decimal

import pytest

from conftest import Venue
from simbiot.domain.errors import BadSymbol, InsufficientFunds, InvalidOrder
from simbiot.domain.market import MarketInfo
from simbiot.domain.orders import OrderSide, OrderStatus, OrderType
from simbiot.exchange.ports import TradingPort


def cid() -> str:
    return "t" + uuid.uuid4().hex[:20]


def quantize(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


async def btc(venue: Venue) -> tuple[MarketInfo, Decimal]:
    md = venue.registry.market_data("mexc")
    info = (await md.load_markets())["BTC/USDT"]
    last = Decimal(str((await md.fetch_tickers())["BTC/USDT"].last))
    return info, last


async def test_balance(venue: Venue) -> None:
    trading = await venue.registry.trading("mexc", "u1", "a1")
    assert isinstance(trading, TradingPort)
    balance = await trading.fetch_balance()
    assert balance["USDT"].free == Decimal("10000")
    assert balance["USDT"].used == 0


async def test_limit_order_create_fetch_by_client_id_cancel(venue: Venue) -> None:
    trading = await venue.registry.trading("mexc", "u1", "a1")
    info, last = await btc(venue)
    price = quantize(last * Decimal("0.5"), info.price_step)
    amount = quantize(Decimal("50") / price, info.amount_step) + info.amount_step
    client_id = cid()
    order = await trading.create_order(
        "BTC/USDT", OrderSide.BUY, OrderType.LIMIT, amount, price, client_id
    )
    assert order.client_order_id == client_id
    assert order.order_id
    assert order.status is OrderStatus.OPEN
    found = await trading.fetch_order_by_client_id("BTC/USDT", client_id)
    assert found is not None
    assert (found.order_id, found.amount, found.price) == (order.order_id, amount, price)
    assert [o.client_order_id for o in await trading.fetch_open_orders("BTC/USDT")] == [client_id]
    assert (await trading.fetch_balance())["USDT"].used > 0
    await trading.cancel_order("BTC/USDT", order.order_id)
    after = await trading.fetch_order_by_client_id("BTC/USDT", client_id)
    assert after is not None
    assert after.status is OrderStatus.CANCELED
    assert await trading.fetch_open_orders() == []
    assert await trading.fetch_order_by_client_id("BTC/USDT", cid()) is None


async def test_market_order_fills_and_shows_in_my_trades(venue: Venue) -> None:
    trading = await venue.registry.trading("mexc", "u1", "a1")
    info, last = await btc(venue)
    amount = quantize(Decimal("100") / last, info.amount_step) + info.amount_step
    client_id = cid()
    await trading.create_order("BTC/USDT", OrderSide.BUY, OrderType.MARKET, amount, None, client_id)
    order = await trading.fetch_order_by_client_id("BTC/USDT", client_id)
    assert order is not None
    assert order.status is OrderStatus.CLOSED
    assert order.filled > 0
    trades = await trading.fetch_my_trades("BTC/USDT")
    assert trades
    assert {t.order_id for t in trades} == {order.order_id}
    assert sum(t.amount for t in trades) == order.filled
    assert all(t.side is OrderSide.BUY for t in trades)
    later = await trading.fetch_my_trades("BTC/USDT", since_ms=trades[-1].timestamp_ms + 1)
    assert later == []
    balance = await trading.fetch_balance()
    assert balance["BTC"].free > 0
    assert balance["USDT"].free < Decimal("10000")


async def test_refusals(venue: Venue) -> None:
    trading = await venue.registry.trading("mexc", "u1", "a1")
    info, last = await btc(venue)
    huge = quantize(Decimal("1000000") / last, info.amount_step)
    with pytest.raises(InsufficientFunds):
        await trading.create_order("BTC/USDT", OrderSide.BUY, OrderType.MARKET, huge, None, cid())
    tiny = info.amount_step
    with pytest.raises(InvalidOrder):
        await trading.create_order(
            "BTC/USDT", OrderSide.BUY, OrderType.LIMIT, tiny, info.price_step, cid()
        )
    with pytest.raises(BadSymbol):
        await trading.create_order("NOPE/USDT", OrderSide.BUY, OrderType.MARKET, tiny, None, cid())


async def test_not_api_tradable_market_is_refused_as_bad_symbol(venue: Venue) -> None:
    markets = await venue.registry.market_data("mexc").load_markets()
    blocked = next(m for m in markets.values() if not m.api_tradable)
    trading = await venue.registry.trading("mexc", "u1", "a1")
    with pytest.raises(BadSymbol) as info:
        await trading.create_order(
            blocked.symbol, OrderSide.BUY, OrderType.MARKET, blocked.min_amount * 100, None, cid()
        )
    assert info.value.symbol == blocked.symbol
