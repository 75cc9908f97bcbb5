"""PaperExecutor on SQLite and PostgreSQL: same rows and bookkeeping as live, no venue."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from simbiot.config.sections import TradingSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import Conflict
from simbiot.domain.orders import OrderSide, OrderType
from simbiot.execution.ledger import Ledger
from simbiot.execution.model import OrderRequest, PositionLevels, new_client_order_id
from simbiot.execution.paper import PaperExecutor
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.prices import StaticPrices
from simbiot.execution.state import OrderState
from simbiot.storage.database import Database
from simbiot.storage.repositories import bots, fills, orders, strategies, users

D = Decimal


@dataclass
class Paper:
    ex: PaperExecutor
    ledger: Ledger
    prices: StaticPrices
    balances: PaperBalances
    user_id: int
    bot_id: int

    def request(
        self, side: OrderSide = OrderSide.BUY, amount: str = "1", **kw: object
    ) -> OrderRequest:
        values: dict[str, object] = {
            "user_id": self.user_id,
            "bot_id": self.bot_id,
            "exchange": "mexc",
            "account_ref": orders.paper_account_ref(self.bot_id),
            "symbol": "ETH/USDT",
            "side": side,
            "type": OrderType.MARKET,
            "amount": D(amount),
            "price": None,
            "client_order_id": new_client_order_id("p"),
        }
        values.update(kw)
        return OrderRequest(**values)  # type: ignore[arg-type]

    @property
    def account(self) -> str:
        return orders.paper_account_ref(self.bot_id)


@pytest.fixture
async def paper(database: Database) -> Paper:
    async with database.transaction() as session:
        user = await users.create(session, email="p@x.io", password_hash="h")
        strat = await strategies.create(session, user_id=None, name="s", kind="rule", definition={})
        bot = await bots.create(session, user_id=user.id, strategy_id=strat.id, name="b")
        ids = (user.id, bot.id)
    settings = TradingSettings(paper_fee_rate=0.001, paper_slippage_bps=10, paper_capital=10_000)
    ledger = Ledger(database)
    prices = StaticPrices({("mexc", "ETH/USDT"): D(2000)})
    balances = PaperBalances(ledger, lambda u, a: D(settings.paper_capital))
    ex = PaperExecutor(ledger, prices, SimulatedClock(1_700_000_000_000), settings, balances)
    return Paper(ex, ledger, prices, balances, *ids)


async def test_market_buy_fills_with_slippage_and_fee(paper: Paper) -> None:
    levels = PositionLevels(stop_price=D(1900), take_profit=D(2300), trail_pct=D("0.05"))
    result = await paper.ex.submit(replace(paper.request(), levels=levels))
    assert result.state is OrderState.FILLED
    assert result.average == D(2002)  # 10 bps above 2000
    assert result.fee == D("2.002")
    assert result.fills_booked == 1
    pos = await paper.ledger.position(
        user_id=paper.user_id, bot_id=paper.bot_id, exchange="mexc", symbol="ETH/USDT"
    )
    assert pos is not None
    assert (pos.amount, pos.entry_price, pos.stop_price) == (D(1), D(2002), D(1900))
    assert pos.realized_pnl == D("-2.002")
    free = await paper.balances.free_quote(paper.user_id, paper.account)
    assert free == D(10_000) - D(2002) - D("2.002")


async def test_sell_closes_with_realised_pnl(paper: Paper) -> None:
    await paper.ex.submit(paper.request())
    paper.prices.set("mexc", "ETH/USDT", D(2100))
    sold = await paper.ex.submit(paper.request(OrderSide.SELL))
    assert sold.state is OrderState.FILLED
    assert sold.average == D("2097.9")
    pos = await paper.ledger.position(
        user_id=paper.user_id, bot_id=paper.bot_id, exchange="mexc", symbol="ETH/USDT"
    )
    assert pos is None
    free = await paper.balances.free_quote(paper.user_id, paper.account)
    assert free == D(10_000) - D(2002) - D("2.002") + D("2097.9") - D("2.0979")


async def test_refusals_are_recorded_with_reasons(paper: Paper) -> None:
    poor = await paper.ex.submit(paper.request(amount="10"))
    assert poor.state is OrderState.REJECTED
    assert poor.reason is not None
    assert poor.reason.startswith("insufficient_funds")
    nothing = await paper.ex.submit(paper.request(OrderSide.SELL))
    assert nothing.state is OrderState.REJECTED
    assert nothing.reason is not None
    assert nothing.reason.startswith("insufficient_funds")
    unpriced = await paper.ex.submit(paper.request(symbol="NOPE/USDT"))
    assert unpriced.state is OrderState.REJECTED
    assert unpriced.reason is not None
    assert unpriced.reason.startswith("no_price")
    row = await paper.ledger.get(poor.key)
    assert row.status == "rejected"


async def test_resting_limit_fills_on_refresh_and_cancel(paper: Paper) -> None:
    rest = await paper.ex.submit(paper.request(type=OrderType.LIMIT, price=D(1900)))
    assert rest.state is OrderState.OPEN
    free = await paper.balances.free_quote(paper.user_id, paper.account)
    assert free == D(10_000) - D(1900)  # held by the resting buy
    assert (await paper.ex.refresh(rest.key)).state is OrderState.OPEN
    paper.prices.set("mexc", "ETH/USDT", D(1890))
    filled = await paper.ex.refresh(rest.key)
    assert filled.state is OrderState.FILLED
    assert filled.average == D(1900)  # never worse than the limit
    assert (await paper.ex.refresh(rest.key)).fills_booked == 0
    other = await paper.ex.submit(paper.request(type=OrderType.LIMIT, price=D(1000)))
    cancelled = await paper.ex.cancel(other.key)
    assert cancelled.state is OrderState.CANCELLED
    assert (await paper.ex.cancel(rest.key)).state is OrderState.FILLED


async def test_replayed_submit_books_nothing_twice(paper: Paper, database: Database) -> None:
    request = paper.request()
    first = await paper.ex.submit(request)
    with pytest.raises(Conflict):
        await paper.ex.submit(request)
    async with database.transaction() as session:
        row = await orders.get_by_client_id(
            session,
            user_id=paper.user_id,
            exchange="mexc",
            account_ref=paper.account,
            client_order_id=request.client_order_id,
        )
        booked = await fills.list_for_order(session, user_id=paper.user_id, order_id=row.id)
    assert len(booked) == first.fills_booked == 1
