"""LiveExecutor against the simulator over HTTP through ccxt, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from consistency import assert_ledger_matches_venue, ledger_rows

from conftest import Env
from simbiot.domain.errors import Conflict
from simbiot.domain.orders import OrderSide, OrderType
from simbiot.execution.live import NEVER_PLACED, LiveExecutor
from simbiot.execution.model import PositionLevels
from simbiot.execution.positions import find_open
from simbiot.execution.state import OrderState
from simbiot.risk.sizing import round_down


def posts(env: Env) -> int:
    return len([r for r in env.server.records if r.route == "order" and r.method == "POST"])


async def test_market_buy_fills_books_and_opens_position(env: Env) -> None:
    ex = await env.executor()
    request = await env.request(quote=Decimal("200"))
    levels = PositionLevels(stop_price=Decimal(1), take_profit=Decimal(10**9))
    result = await ex.submit(replace(request, levels=levels))
    assert result.state is OrderState.FILLED
    assert result.filled == request.amount
    assert result.fills_booked >= 1
    async with env.db.transaction() as session:
        pos = await find_open(
            session, user_id=env.user_id, bot_id=None, exchange="mexc", symbol="BTC/USDT"
        )
    assert pos is not None
    assert pos.stop_price == Decimal(1)
    # The venue charges the buy fee in the base currency: we hold the net amount.
    assert Decimal(0) < pos.amount < request.amount
    await assert_ledger_matches_venue(env)


async def test_refresh_of_a_filled_order_books_nothing_twice(env: Env) -> None:
    ex = await env.executor()
    result = await ex.submit(await env.request())
    again = await ex.refresh(result.key)
    assert again.state is OrderState.FILLED
    assert again.fills_booked == 0
    await assert_ledger_matches_venue(env)


async def test_client_id_reused_is_refused_before_sending(env: Env) -> None:
    ex = await env.executor()
    request = await env.request()
    await ex.submit(request)
    with pytest.raises(Conflict):
        await ex.submit(request)
    assert posts(env) == 1
    await assert_ledger_matches_venue(env)


@pytest.mark.parametrize("kind", ["timeout", "http_5xx", "maintenance"])
async def test_create_fault_before_the_venue_is_reconciled_as_never_placed(
    env: Env, kind: str
) -> None:
    env.fault(kind, route="order", count=1, delay_s=2.5)
    ex = await env.executor()
    result = await ex.submit(await env.request())
    assert result.state is OrderState.REJECTED
    assert result.reason == NEVER_PLACED
    assert posts(env) == 1  # never re-sent
    await assert_ledger_matches_venue(env)


async def test_lost_response_is_reconciled_by_client_id_and_booked_once(env: Env) -> None:
    env.fault("lost_response", route="order", count=1)
    ex = await env.executor()
    result = await ex.submit(await env.request())
    assert result.state is OrderState.FILLED
    assert result.fills_booked >= 1
    assert posts(env) == 1
    again = await ex.refresh(result.key)
    assert again.fills_booked == 0
    await assert_ledger_matches_venue(env)


async def test_rate_limited_create_is_rejected_not_retried(env: Env) -> None:
    env.fault("http_429", route="order", count=1, retry_after_s=30)
    ex = await env.executor()
    result = await ex.submit(await env.request())
    assert result.state is OrderState.REJECTED
    assert result.reason is not None
    assert result.reason.startswith("exchange_rejected")
    assert posts(env) == 1
    await assert_ledger_matches_venue(env)


async def test_insufficient_funds(env: Env) -> None:
    ex = await env.executor()
    result = await ex.submit(await env.request(quote=Decimal("50000")))
    assert result.state is OrderState.REJECTED
    assert result.reason is not None
    assert result.reason.startswith("insufficient_funds")
    await assert_ledger_matches_venue(env)


async def test_delisted_symbol_is_rejected_as_unknown_symbol(env: Env) -> None:
    ex = await env.executor()
    request = await env.request()
    result = await ex.submit(replace(request, symbol="NOPE/USDT"))
    assert result.state is OrderState.REJECTED
    assert result.reason is not None
    assert result.reason.split(":")[0] in ("unknown_symbol", "exchange_rejected")
    await assert_ledger_matches_venue(env)


async def test_lookup_faults_leave_the_order_unknown_until_reconciled(env: Env) -> None:
    env.fault("lost_response", route="order", count=1)
    port = await env.port()
    create = port.create_order

    async def create_then_break_lookups(*args: Any) -> Any:
        try:
            return await create(*args)
        finally:  # every lookup (and its retries) fails from now on
            env.fault("http_5xx", route="order", count=50)

    port.create_order = create_then_break_lookups  # type: ignore[method-assign]
    ex = LiveExecutor(port, env.ledger, env.clock, env.settings)
    result = await ex.submit(await env.request())
    assert result.state is OrderState.UNKNOWN
    env.server.faults.clear()
    healed = await ex.refresh(result.key)
    assert healed.state is OrderState.FILLED
    assert posts(env) == 1
    await assert_ledger_matches_venue(env)


async def test_limit_order_rests_then_cancel(env: Env) -> None:
    ex = await env.executor()
    request = await env.request(type=OrderType.LIMIT, price_factor=Decimal("0.5"))
    placed = await ex.submit(request)
    assert placed.state is OrderState.OPEN
    cancelled = await ex.cancel(placed.key)
    assert cancelled.state is OrderState.CANCELLED
    assert cancelled.filled == 0
    again = await ex.cancel(placed.key)
    assert again.state is OrderState.CANCELLED
    await assert_ledger_matches_venue(env)


@pytest.mark.parametrize("kind", ["timeout", "http_5xx", "lost_response"])
async def test_cancel_faults_settle_by_lookup(env: Env, kind: str) -> None:
    ex = await env.executor()
    placed = await ex.submit(await env.request(type=OrderType.LIMIT, price_factor=Decimal("0.5")))
    env.fault(kind, route="order", count=1, delay_s=2.5)
    result = await ex.cancel(placed.key)
    # A cancel that never arrived leaves the order open; one that did, cancelled.
    assert result.state in (OrderState.OPEN, OrderState.CANCELLED)
    if result.state is OrderState.OPEN:
        result = await ex.cancel(placed.key)
    assert result.state is OrderState.CANCELLED
    await assert_ledger_matches_venue(env)


async def test_partial_fill_then_cancel(env: Env) -> None:
    server = env.server
    i = server.markets.resolve("ETHUSDT", trading=True)
    book = server.markets.book(i)
    price, first_qty = book.asks[0]
    server.add_account("KEY", "SECRET", {"USDT": price * first_qty * 3})
    amount = first_qty * 2
    request = await env.request("ETH/USDT", type=OrderType.LIMIT, amount=amount)
    request = replace(request, price=price)
    ex = await env.executor()
    placed = await ex.submit(request)
    assert placed.state is OrderState.PARTIALLY_FILLED
    assert placed.filled == first_qty
    cancelled = await ex.cancel(placed.key)
    assert cancelled.state is OrderState.CANCELLED
    assert cancelled.filled == first_qty
    await assert_ledger_matches_venue(env)


async def test_cancel_racing_a_fill_books_the_fill(env: Env) -> None:
    ex = await env.executor()
    markets = await env.registry.market_data("mexc").load_markets()
    symbols = [s for s, m in sorted(markets.items()) if m.tradable][:6]
    placed = []
    for symbol in symbols:
        request = await env.request(
            symbol, quote=Decimal(30), type=OrderType.LIMIT, price_factor=Decimal("0.997")
        )
        result = await ex.submit(request)
        assert result.state is OrderState.OPEN
        placed.append(result)
    # The venue fills orders (candles reach their prices) while our cancels are on the way.
    env.server.advance(300 * 60_000)
    venue = env.venue_orders()
    filled = [p for p in placed if not venue[p.key.client_order_id].is_open]
    assert filled, "no candle reached any limit price"
    for p in placed:
        result = await ex.cancel(p.key)
        order = venue[p.key.client_order_id]
        if p in filled:
            assert result.state is OrderState.FILLED
            assert result.fills_booked >= 1
        else:
            assert result.state is OrderState.CANCELLED
        assert result.filled == order.executed_qty
    await assert_ledger_matches_venue(env)


async def test_sell_closes_the_position(env: Env) -> None:
    ex = await env.executor()
    bought = await ex.submit(await env.request(quote=Decimal("100")))
    assert bought.state is OrderState.FILLED
    async with env.db.transaction() as session:
        pos = await find_open(
            session, user_id=env.user_id, bot_id=None, exchange="mexc", symbol="BTC/USDT"
        )
    assert pos is not None
    info, _ = await env.market()
    held = round_down(pos.amount, info.amount_step)
    sold = await ex.submit(await env.request(side=OrderSide.SELL, amount=held))
    assert sold.state is OrderState.FILLED
    async with env.db.transaction() as session:
        after = await find_open(
            session, user_id=env.user_id, bot_id=None, exchange="mexc", symbol="BTC/USDT"
        )
    if held == pos.amount:
        assert after is None
    else:
        assert after is not None
        assert after.amount == pos.amount - held
    assert len(await ledger_rows(env)) == 2
    await assert_ledger_matches_venue(env)


@pytest.mark.parametrize("kind", ["malformed_json", "wrong_type"])
async def test_garbled_create_answer_is_reconciled_by_client_id(env: Env, kind: str) -> None:
    env.fault(kind, route="order", count=1)
    ex = await env.executor()
    result = await ex.submit(await env.request())
    assert result.state is OrderState.FILLED
    assert posts(env) == 1
    await assert_ledger_matches_venue(env)


@pytest.mark.parametrize("kind", ["http_5xx", "timeout", "malformed_json"])
async def test_trades_fetch_fault_leaves_the_fill_to_reconciliation(env: Env, kind: str) -> None:
    env.fault(kind, route="myTrades", count=50, delay_s=2.5)
    ex = await env.executor()
    result = await ex.submit(await env.request())
    assert result.state is OrderState.UNKNOWN  # filled at the venue, fills not booked yet
    assert result.fills_booked == 0
    env.server.faults.clear()
    healed = await ex.refresh(result.key)
    assert healed.state is OrderState.FILLED
    assert healed.fills_booked >= 1
    assert posts(env) == 1
    await assert_ledger_matches_venue(env)
