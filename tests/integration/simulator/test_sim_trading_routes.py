"""Signed MEXC routes through the real ccxt client: balances, orders, fills, errors."""

from __future__ import annotations

from decimal import Decimal

import ccxt.async_support as ccxt_async
import pytest

from simbiot.exchange.simulator import SimulatorConfig, SimulatorServer, ccxt_config

API_KEY = "sim-key"  # the account the ``simulator`` fixture funds
START_USDT = Decimal("10000")


async def test_balance_of_the_funded_account(mexc: ccxt_async.mexc) -> None:
    balance = await mexc.fetch_balance()
    assert balance["USDT"] == {"free": float(START_USDT), "used": 0.0, "total": float(START_USDT)}


async def test_bad_signature_is_authentication_error(simulator: SimulatorServer) -> None:
    assert simulator.base_url is not None
    client = ccxt_async.mexc(ccxt_config(simulator.base_url, api_key=API_KEY, secret="wrong"))
    try:
        with pytest.raises(ccxt_async.AuthenticationError):
            await client.fetch_balance()
    finally:
        await client.close()
    assert simulator.records[-1].status == 400


async def test_unknown_key_is_refused(simulator: SimulatorServer) -> None:
    assert simulator.base_url is not None
    client = ccxt_async.mexc(ccxt_config(simulator.base_url, api_key="nobody", secret="x"))
    try:
        with pytest.raises(ccxt_async.BadRequest, match="10072"):
            await client.fetch_balance()
    finally:
        await client.close()


async def test_stale_timestamp_is_invalid_nonce(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    mexc.options["recvWindow"] = 5_000
    real_nonce = mexc.nonce
    mexc.nonce = lambda: real_nonce() - 60_000  # type: ignore[method-assign]
    with pytest.raises(ccxt_async.InvalidNonce):
        await mexc.fetch_balance()


async def test_market_buy_fills_and_moves_balances_by_cost_and_fee(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    order = await mexc.create_order(
        "BTC/USDT", "market", "buy", 0.01, params={"clientOrderId": "m1"}
    )
    assert order["status"] == "closed"
    assert order["filled"] == 0.01
    assert order["clientOrderId"] == "m1"
    trades = await mexc.fetch_my_trades("BTC/USDT")
    assert [t["order"] for t in trades] == [order["id"]]
    fee = trades[0]["fee"]
    assert fee["currency"] == "BTC"
    assert fee["cost"] == pytest.approx(0.01 * 0.0005)
    balance = await mexc.fetch_balance()
    assert balance["USDT"]["free"] == pytest.approx(float(START_USDT) - order["cost"])
    assert balance["BTC"]["free"] == pytest.approx(0.01 - fee["cost"])
    state = simulator.exchange_state
    assert state.accounts[API_KEY].balances["BTC"].free == Decimal("0.01") - Decimal("0.000005")


async def test_limit_rests_locks_then_fills_after_the_price_crosses(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    last = (await mexc.fetch_ticker("ETH/USDT"))["last"]
    price = float(mexc.price_to_precision("ETH/USDT", last * 0.995))
    order = await mexc.create_order("ETH/USDT", "limit", "buy", 0.5, price, {"clientOrderId": "l1"})
    assert order["status"] == "open"
    assert order["filled"] == 0
    balance = await mexc.fetch_balance()
    assert balance["USDT"]["used"] == pytest.approx(0.5 * price)
    open_orders = await mexc.fetch_open_orders("ETH/USDT")
    assert [o["id"] for o in open_orders] == [order["id"]]
    # Step the market until a candle's low reaches the limit.
    for _ in range(2_000):
        simulator.advance(60_000)
        fetched = await mexc.fetch_order(order["id"], "ETH/USDT")
        if fetched["status"] == "closed":
            break
    assert fetched["status"] == "closed"
    trades = await mexc.fetch_my_trades("ETH/USDT")
    assert all(t["takerOrMaker"] == "maker" and t["price"] == price for t in trades)
    assert sum(t["amount"] for t in trades) == pytest.approx(0.5)
    balance = await mexc.fetch_balance()
    assert balance["USDT"]["used"] == 0
    assert balance["ETH"]["free"] == pytest.approx(0.5)  # maker fee is zero
    assert await mexc.fetch_open_orders("ETH/USDT") == []


async def test_cancel_by_client_order_id_releases_the_lock(mexc: ccxt_async.mexc) -> None:
    last = (await mexc.fetch_ticker("BTC/USDT"))["last"]
    price = float(mexc.price_to_precision("BTC/USDT", last * 0.5))
    order = await mexc.create_order(
        "BTC/USDT", "limit", "buy", 0.01, price, {"clientOrderId": "c1"}
    )
    found = await mexc.fetch_order("", "BTC/USDT", {"clientOrderId": "c1"})
    assert found["id"] == order["id"]
    assert found["status"] == "open"
    canceled = await mexc.cancel_order("", "BTC/USDT", {"clientOrderId": "c1"})
    assert canceled["status"] == "canceled"
    balance = await mexc.fetch_balance()
    assert balance["USDT"]["free"] == float(START_USDT)
    assert balance["USDT"]["used"] == 0


async def test_sell_limit_crossing_the_book_takes_liquidity(mexc: ccxt_async.mexc) -> None:
    await mexc.create_order("BNB/USDT", "market", "buy", 2)
    bid = (await mexc.fetch_order_book("BNB/USDT", 5))["bids"][0][0]
    order = await mexc.create_order("BNB/USDT", "limit", "sell", 1, bid * 0.99)
    assert order["status"] == "closed"
    trades = [t for t in await mexc.fetch_my_trades("BNB/USDT") if t["order"] == order["id"]]
    assert trades[0]["takerOrMaker"] == "taker"
    assert trades[0]["price"] == bid


async def test_large_market_order_on_thin_book_fills_partially(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    u = simulator.markets.universe
    tradable = [i for i in simulator.markets.listed() if u.api_allowed[i] and i > 2]
    thin = min(tradable, key=lambda i: u.level_depth_quote[i])
    symbol = u.symbol(thin)
    book = await mexc.fetch_order_book(symbol, 20)
    depth = sum(q for _, q in book["asks"])
    simulator.add_account(API_KEY, "sim-secret", {"USDT": Decimal("100000000")})
    amount = float(mexc.amount_to_precision(symbol, depth * 3))
    order = await mexc.create_order(symbol, "market", "buy", amount)
    assert order["status"] == "canceled"
    assert 0 < order["filled"] == pytest.approx(depth)


async def test_order_not_found(mexc: ccxt_async.mexc) -> None:
    with pytest.raises(ccxt_async.ExchangeError, match="-2013"):
        await mexc.fetch_order("C02__999", "BTC/USDT")
    with pytest.raises(ccxt_async.ExchangeError, match="-2013"):
        await mexc.cancel_order("", "BTC/USDT", {"clientOrderId": "never"})


async def test_insufficient_funds(mexc: ccxt_async.mexc) -> None:
    with pytest.raises(ccxt_async.InsufficientFunds):
        await mexc.create_order("BTC/USDT", "market", "buy", 1)
    with pytest.raises(ccxt_async.InsufficientFunds):
        await mexc.create_order("ETH/USDT", "market", "sell", 1)
    last = (await mexc.fetch_ticker("ETH/USDT"))["last"]
    with pytest.raises(ccxt_async.InsufficientFunds):
        await mexc.create_order(
            "ETH/USDT", "limit", "buy", 10, float(mexc.price_to_precision("ETH/USDT", last))
        )


async def test_min_notional_and_precision_rejections(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    with pytest.raises(ccxt_async.InvalidOrder, match="30002"):
        await mexc.create_order("BTC/USDT", "market", "buy", 0.00001)
    # Bypass ccxt's own rounding to send too many decimals.
    mexc.options["createOrder"] = {}
    with pytest.raises(ccxt_async.InvalidOrder, match="10096"):
        await mexc.spotPrivatePostOrder(
            {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.0000001"}
        )
    with pytest.raises(ccxt_async.InvalidOrder, match="30087"):
        await mexc.spotPrivatePostOrder(
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "quantity": "0.01",
                "price": "50000.123",
            }
        )
    assert simulator.exchange_state.orders == {}


async def test_not_api_symbol_is_refused_for_trading(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    u = simulator.markets.universe
    blocked = next(i for i in simulator.markets.listed() if not u.api_allowed[i])
    await mexc.fetch_ticker(u.symbol(blocked))  # market data still served
    with pytest.raises(ccxt_async.BadSymbol, match="symbol not support api"):
        await mexc.create_order(u.symbol(blocked), "market", "buy", 1_000_000)


async def test_duplicate_client_order_id_is_refused(mexc: ccxt_async.mexc) -> None:
    await mexc.create_order("BTC/USDT", "market", "buy", 0.001, params={"clientOrderId": "d1"})
    with pytest.raises(ccxt_async.ExchangeError, match="Duplicate"):
        await mexc.create_order("BTC/USDT", "market", "buy", 0.001, params={"clientOrderId": "d1"})


async def test_trade_ids_are_unique_across_orders(mexc: ccxt_async.mexc) -> None:
    for _ in range(3):
        await mexc.create_order("BTC/USDT", "market", "buy", 0.001)
        await mexc.create_order("BTC/USDT", "market", "sell", 0.0009)
    ids = [t["id"] for t in await mexc.fetch_my_trades("BTC/USDT")]
    assert len(ids) == len(set(ids)) >= 6


async def test_accounts_can_be_added_over_http(simulator: SimulatorServer) -> None:
    import aiohttp

    assert simulator.base_url is not None
    async with aiohttp.ClientSession() as session:
        body = {"api_key": "k2", "secret": "s2", "balances": {"USDT": "250.5"}}
        async with session.post(simulator.base_url + "/sim/accounts", json=body) as resp:
            assert resp.status == 200
        async with session.post(simulator.base_url + "/sim/accounts", data=b"[") as resp:
            assert resp.status == 400
    client = ccxt_async.mexc(ccxt_config(simulator.base_url, api_key="k2", secret="s2"))
    try:
        assert (await client.fetch_balance())["USDT"]["free"] == 250.5
    finally:
        await client.close()


async def test_cancel_all_and_order_history(mexc: ccxt_async.mexc) -> None:
    last = (await mexc.fetch_ticker("BTC/USDT"))["last"]
    low = float(mexc.price_to_precision("BTC/USDT", last * 0.6))
    for n in range(3):
        await mexc.create_order("BTC/USDT", "limit", "buy", 0.01, low, {"clientOrderId": f"h{n}"})
    await mexc.create_order("BTC/USDT", "market", "buy", 0.001)
    assert len(await mexc.fetch_open_orders("BTC/USDT")) == 3
    canceled = await mexc.cancel_all_orders("BTC/USDT")
    assert len(canceled) == 3
    assert await mexc.fetch_open_orders("BTC/USDT") == []
    history = await mexc.fetch_orders("BTC/USDT")
    assert sorted(o["status"] for o in history) == ["canceled", "canceled", "canceled", "closed"]
    assert (await mexc.fetch_balance())["USDT"]["used"] == 0


async def test_records_are_bounded() -> None:
    server = SimulatorServer(SimulatorConfig(symbols=3, manual_clock=True, record_limit=10))
    base_url = await server.start()
    client = ccxt_async.mexc(ccxt_config(base_url))
    try:
        for _ in range(25):
            await client.fetch_time()
    finally:
        await client.close()
        await server.stop()
    assert 5 <= len(server.records) <= 10
