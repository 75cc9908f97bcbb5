"""Order matching, balances and fees, without HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.formats import fmt
from simbiot.exchange.simulator.market import Markets
from simbiot.exchange.simulator.matching import ExchangeState


def _price(markets: Markets, i: int, factor: float) -> str:
    decimals = int(markets.universe.price_decimals[i])
    return f"{markets.last_price(i) * factor:.{decimals}f}"


def test_market_buy_walks_the_book_and_charges_taker_fee_in_base(state: ExchangeState) -> None:
    book = state.markets.book(0)
    order = state.place(
        "k", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.5"}
    )
    assert order.status == "FILLED"
    trades = state.trades["k"]
    expected_cost = Decimal(0)
    left = Decimal("0.5")
    for price, qty in book.asks:
        take = min(qty, left)
        expected_cost += take * price
        left -= take
        if not left:
            break
    assert order.cumm_quote_qty == expected_cost
    bal = state.accounts["k"].balances
    assert bal["USDT"].free == Decimal("100000") - expected_cost
    assert bal["BTC"].free == Decimal("0.5") - Decimal("0.5") * Decimal("0.002")
    assert all(not t.is_maker and t.commission_asset == "BTC" for t in trades)


def test_market_buy_by_quote_amount(state: ExchangeState) -> None:
    order = state.place(
        "k", {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "1000"}
    )
    assert order.status == "FILLED"
    assert Decimal("990") < order.cumm_quote_qty <= Decimal("1000")
    assert order.orig_qty == order.executed_qty


def test_sell_fee_is_charged_in_quote(state: ExchangeState) -> None:
    state.add_account("k", "s", {"ETH": Decimal("2")})
    order = state.place(
        "k", {"symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": "1"}
    )
    bal = state.accounts["k"].balances
    assert bal["ETH"].free == Decimal("1")
    fee = order.cumm_quote_qty * Decimal("0.002")
    assert bal["USDT"].free == Decimal("100000") + order.cumm_quote_qty - fee
    assert state.trades["k"][0].commission_asset == "USDT"


def test_resting_limit_locks_and_fills_as_maker_when_the_low_reaches_it(
    state: ExchangeState, markets: Markets
) -> None:
    price = _price(markets, 1, 0.99)
    order = state.place(
        "k", {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "quantity": "1", "price": price}
    )
    assert order.status == "NEW"
    bal = state.accounts["k"].balances["USDT"]
    assert bal.locked == Decimal(price)
    for _ in range(5_000):
        markets.clock.advance(60_000)
        state.sweep()
        if not order.is_open:
            break
    assert order.status == "FILLED"
    fill = state.trades["k"][-1]
    assert fill.is_maker
    assert fill.price == Decimal(price)
    candle = markets.tape.rows(1, markets.index_at(fill.time_ms), markets.index_at(fill.time_ms))
    assert candle[0, 3] <= float(price)
    assert bal.locked == 0
    assert bal.free == Decimal("100000") - Decimal(price)
    assert state.accounts["k"].balances["ETH"].free == Decimal("1") - Decimal("0.001")


def test_marketable_limit_fills_below_its_limit_and_refunds_the_lock(
    state: ExchangeState, markets: Markets
) -> None:
    limit = _price(markets, 1, 1.05)
    order = state.place(
        "k", {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "quantity": "1", "price": limit}
    )
    assert order.status == "FILLED"
    bal = state.accounts["k"].balances["USDT"]
    assert bal.locked == 0
    assert bal.free == Decimal("100000") - order.cumm_quote_qty


def test_large_resting_order_fills_over_several_candles(
    state: ExchangeState, markets: Markets
) -> None:
    u = markets.universe
    thin = min(
        range(3, len(u)),
        key=lambda i: (
            u.level_depth_quote[i]
            if u.api_allowed[i] and u.listed(i, markets.current_index())
            else 1e18
        ),
    )
    price = _price(markets, thin, 1.0)
    qty_dec = int(u.amount_decimals[thin])
    qty = fmt(Decimal(str(round(u.level_depth_quote[thin] * 40 / float(price), qty_dec))))
    state.add_account("k", "s", {"USDT": Decimal("100000000")})
    base = u.bases[thin]
    state.add_account("k", "s", {base: Decimal(qty) * 2})
    order = state.place(
        "k",
        {
            "symbol": u.market_id(thin),
            "side": "SELL",
            "type": "LIMIT",
            "quantity": qty,
            "price": _price(markets, thin, 1.02),
        },
    )
    for _ in range(20_000):
        markets.clock.advance(60_000)
        state.sweep()
        if order.executed_qty and order.is_open:
            break
    assert order.status == "PARTIALLY_FILLED"
    assert 0 < order.executed_qty < order.orig_qty


def test_cancel_releases_and_second_cancel_is_refused(
    state: ExchangeState, markets: Markets
) -> None:
    price = _price(markets, 0, 0.5)
    order = state.place(
        "k",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": "0.01",
            "price": price,
            "newClientOrderId": "x",
        },
    )
    state.cancel("k", "BTCUSDT", {"origClientOrderId": "x"})
    assert order.status == "CANCELED"
    assert state.accounts["k"].balances["USDT"].free == Decimal("100000")
    with pytest.raises(SimApiError) as info:
        state.cancel("k", "BTCUSDT", {"orderId": order.order_id})
    assert info.value.code == -2011


def test_orders_are_private_to_their_account(state: ExchangeState, markets: Markets) -> None:
    state.add_account("other", "s2", {"USDT": Decimal("1000")})
    order = state.place(
        "k", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    )
    with pytest.raises(SimApiError) as info:
        state.find("other", "BTCUSDT", {"orderId": order.order_id})
    assert info.value.code == -2013
    with pytest.raises(SimApiError) as info:
        state.find("k", "ETHUSDT", {"orderId": order.order_id})
    assert info.value.code == -2013
    with pytest.raises(SimApiError) as info:
        state.find("k", "BTCUSDT", {})
    assert info.value.code == 700004


def test_limit_maker_that_would_take_is_refused(state: ExchangeState, markets: Markets) -> None:
    with pytest.raises(SimApiError, match="immediately match"):
        state.place(
            "k",
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT_MAKER",
                "quantity": "0.01",
                "price": _price(markets, 0, 1.01),
            },
        )


def test_fill_or_kill_and_ioc(state: ExchangeState, markets: Markets) -> None:
    fok = state.place(
        "k",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "FILL_OR_KILL",
            "quantity": "0.01",
            "price": _price(markets, 0, 0.999),
        },
    )
    assert fok.status == "CANCELED"
    assert fok.executed_qty == 0
    ioc = state.place(
        "k",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "IMMEDIATE_OR_CANCEL",
            "quantity": "1",
            "price": _price(markets, 0, 1.01),
        },
    )
    assert ioc.status == "FILLED"
    assert state.accounts["k"].balances["USDT"].locked == 0


def test_trade_ids_are_unique(state: ExchangeState) -> None:
    for _ in range(5):
        state.place("k", {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "3"})
    ids = [t.trade_id for t in state.trades["k"]]
    assert len(ids) == len(set(ids)) >= 5
