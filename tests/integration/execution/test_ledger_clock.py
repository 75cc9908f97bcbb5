"""The ledger writes the injected clock's times: order rows, fills, position open and close."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from simbiot.config.sections import TradingSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.orders import OrderSide, OrderType
from simbiot.execution.ledger import Ledger
from simbiot.execution.model import OrderRequest, new_client_order_id
from simbiot.execution.paper import PaperExecutor
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.prices import StaticPrices
from simbiot.storage.database import Database
from simbiot.storage.repositories import bots, fills, orders, positions, strategies, users

D = Decimal
T0 = 1_600_000_000_250  # 2020-09-13, far from the wall clock of any run


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


async def test_paper_round_trip_is_stamped_with_the_simulated_clock(database: Database) -> None:
    async with database.transaction() as session:
        user = await users.create(session, email="c@x.io", password_hash="h")
        strat = await strategies.create(session, user_id=None, name="s", kind="rule", definition={})
        bot = await bots.create(session, user_id=user.id, strategy_id=strat.id, name="b")
        uid, bid = user.id, bot.id
    clock = SimulatedClock(T0)
    ledger = Ledger(database, clock=clock)
    settings = TradingSettings(paper_fee_rate=0.001, paper_capital=10_000)
    prices = StaticPrices({("mexc", "ETH/USDT"): D(2000)})
    balances = PaperBalances(ledger, lambda u, a: D(settings.paper_capital))
    ex = PaperExecutor(ledger, prices, clock, settings, balances)

    def request(side: OrderSide) -> OrderRequest:
        return OrderRequest(
            user_id=uid, bot_id=bid, exchange="mexc", account_ref=orders.paper_account_ref(bid),
            symbol="ETH/USDT", side=side, type=OrderType.MARKET, amount=D(1), price=None,
            client_order_id=new_client_order_id("c"),
        )  # fmt: skip

    buy = request(OrderSide.BUY)
    await ex.submit(buy)
    opened = await ledger.position(user_id=uid, bot_id=bid, exchange="mexc", symbol="ETH/USDT")
    assert opened is not None
    assert opened.opened_at == _at(T0)
    clock.advance(7_200)
    sell = request(OrderSide.SELL)
    await ex.submit(sell)
    async with database.transaction() as session:
        closed = await positions.get(session, user_id=uid, position_id=opened.id)
        rows = [
            await orders.get_by_client_id(
                session,
                user_id=uid,
                exchange="mexc",
                account_ref=r.account_ref,
                client_order_id=r.client_order_id,
            )
            for r in (buy, sell)
        ]
        booked = [
            f for r in rows for f in await fills.list_for_order(session, user_id=uid, order_id=r.id)
        ]
    assert closed.status == "closed"
    assert closed.closed_at == _at(T0 + 7_200_000)
    assert [(r.created_at, r.updated_at) for r in rows] == [
        (_at(T0), _at(T0)),
        (_at(T0 + 7_200_000), _at(T0 + 7_200_000)),
    ]
    assert [f.ts for f in booked] == [_at(T0), _at(T0 + 7_200_000)]


async def test_a_ledger_without_a_clock_stamps_the_wall_clock(database: Database) -> None:
    async with database.transaction() as session:
        user = await users.create(session, email="w@x.io", password_hash="h")
        uid = user.id
    ledger = Ledger(database)
    before = datetime.now(UTC)
    req = OrderRequest(
        user_id=uid, bot_id=None, exchange="mexc", account_ref="acc", symbol="ETH/USDT",
        side=OrderSide.BUY, type=OrderType.MARKET, amount=D(1), price=None,
        client_order_id=new_client_order_id("w"),
    )  # fmt: skip
    await ledger.record(req)
    row = await ledger.get(req.key)
    assert before <= row.created_at <= datetime.now(UTC)
