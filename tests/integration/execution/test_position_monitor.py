"""Position monitor on paper accounts: stops, partials, levels for healed positions, alerts."""

from __future__ import annotations

from decimal import Decimal

from simbiot.config.sections import RiskSettings, TradingSettings
from simbiot.domain.clock import LiveClock
from simbiot.domain.market import MarketInfo
from simbiot.domain.orders import OrderSide, OrderType
from simbiot.execution.accounts import MarketContext, UserAccount
from simbiot.execution.balances import BalanceCache
from simbiot.execution.events import (
    DrawdownAlert,
    ExitExecuted,
    LiquidityDrop,
    MemoryEventSink,
    NearStop,
)
from simbiot.execution.executor import Executor
from simbiot.execution.executors import Executors
from simbiot.execution.ledger import Ledger
from simbiot.execution.model import OrderRequest, PositionLevels, new_client_order_id
from simbiot.execution.monitor import PositionMonitor
from simbiot.execution.paper import PaperExecutor
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.prices import StaticPrices
from simbiot.risk.exits import Bar
from simbiot.signals.model import StrategyConfig, Subscription
from simbiot.storage.database import Database
from simbiot.storage.repositories import bots, orders, strategies, users

D = Decimal
SYMBOL = "AAA/USDT"
MARKET = MarketInfo("mexc", SYMBOL, "AAA", "USDT", D("0.0001"), D("0.001"), D("0.001"), D("1"))
RISK = RiskSettings(stop_atr=2, take_profit_r=3, trail_atr=3, drawdown_alert=0.5)


class Rig:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.clock = LiveClock()
        self.settings = TradingSettings(paper_slippage_bps=0, paper_fee_rate=0)
        self.ledger = Ledger(db)
        self.prices = StaticPrices({("mexc", SYMBOL): D(100)})
        self.paper_balances = PaperBalances(self.ledger, lambda u, a: D(10_000))
        self.paper = PaperExecutor(
            self.ledger, self.prices, self.clock, self.settings, self.paper_balances
        )
        self.balances = BalanceCache(self.paper_balances.free_quote, self.clock, 0)
        self.sink = MemoryEventSink()
        self.provider = Executors(self.paper, self.ledger, self.clock, self.settings)
        self.monitor = PositionMonitor(
            executors=self.provider,
            ledger=self.ledger,
            balances=self.balances,
            risk=RISK,
            settings=self.settings,
            sink=self.sink,
            clock=self.clock,
        )
        self.account: UserAccount | None = None

    async def open(self, levels: PositionLevels | None, amount: str = "10") -> UserAccount:
        async with self.db.transaction() as session:
            user = await users.create(
                session, email=f"m{id(levels)}{amount}@x.io", password_hash="h"
            )
            strat = await strategies.create(
                session, user_id=None, name="s", kind="r", definition={}
            )
            bot = await bots.create(session, user_id=user.id, strategy_id=strat.id, name="b")
        account = UserAccount(
            user.id,
            bot.id,
            "mexc",
            orders.paper_account_ref(bot.id),
            Subscription(user.id, StrategyConfig("t")),
        )
        result = await self.paper.submit(
            OrderRequest(
                user.id,
                bot.id,
                "mexc",
                account.account_ref,
                SYMBOL,
                OrderSide.BUY,
                OrderType.MARKET,
                D(amount),
                None,
                new_client_order_id("m"),
                levels,
            )
        )
        assert result.state.value == "filled"
        self.account = account
        return account

    def ctx(self, price: str, liquidity: float = 1.0) -> MarketContext:
        self.prices.set("mexc", SYMBOL, D(price))
        return MarketContext(
            "mexc",
            "bull",
            {SYMBOL: MARKET},
            {SYMBOL: D(price)},
            {SYMBOL: 2.0},
            {SYMBOL: liquidity},
        )

    async def tick(self, high: str, low: str, close: str, liquidity: float = 1.0) -> object:
        assert self.account is not None
        bar = Bar(self.clock.now_ms(), D(high), D(low), D(close))
        return await self.monitor.tick([self.account], {SYMBOL: bar}, self.ctx(close, liquidity))

    async def position(self) -> object:
        assert self.account is not None
        return await self.ledger.position(
            user_id=self.account.user_id, bot_id=self.account.bot_id, exchange="mexc", symbol=SYMBOL
        )


LEVELS = PositionLevels(stop_price=D(96), take_profit=D(112), trail_pct=D("0.06"))


async def test_stop_loss_sells_everything_and_reports(database: Database) -> None:
    rig = Rig(database)
    await rig.open(LEVELS)
    report = await rig.tick("100", "95", "95.5")
    assert report.exits == 1  # type: ignore[attr-defined]
    assert await rig.position() is None
    exits = [e for e in rig.sink.events if isinstance(e, ExitExecuted)]
    assert [(e.kind, e.state, e.amount) for e in exits] == [("stop_loss", "filled", D(10))]


async def test_partial_close_then_breakeven_then_near_stop(database: Database) -> None:
    rig = Rig(database)
    await rig.open(LEVELS)
    await rig.tick("106", "101", "105")  # 1.5 R
    pos = await rig.position()
    assert pos is not None
    assert pos.amount == D(5)  # type: ignore[attr-defined]
    assert pos.stop_price == D(100)  # type: ignore[attr-defined]
    exits = [e for e in rig.sink.events if isinstance(e, ExitExecuted)]
    assert [(e.kind, e.amount) for e in exits] == [("partial", D(5))]
    await rig.tick("105", "100.5", "100.5")  # within a quarter R of the stop
    assert any(isinstance(e, NearStop) for e in rig.sink.events)
    # No second partial for the same level.
    await rig.tick("106.5", "104", "106")
    assert len([e for e in rig.sink.events if isinstance(e, ExitExecuted)]) == 1


async def test_position_without_levels_gets_them(database: Database) -> None:
    rig = Rig(database)
    await rig.open(None)
    await rig.tick("101", "99", "100")
    pos = await rig.position()
    assert pos is not None
    assert pos.stop_price == D(96)  # type: ignore[attr-defined]
    assert pos.take_profit == D(112)  # type: ignore[attr-defined]


async def test_liquidity_and_drawdown_alerts(database: Database) -> None:
    rig = Rig(database)
    await rig.open(PositionLevels(stop_price=D(1)), amount="90")
    await rig.tick("100", "100", "100")
    await rig.tick("100", "40", "41", liquidity=0.1)
    kinds = {type(e) for e in rig.sink.events}
    assert LiquidityDrop in kinds
    assert DrawdownAlert in kinds


async def test_a_failing_account_does_not_stop_the_tick(database: Database) -> None:
    rig = Rig(database)
    broken = await rig.open(LEVELS, amount="3")
    good = await rig.open(LEVELS, amount="4")

    class Provider:
        async def executor(self, account: UserAccount) -> Executor:
            if account.user_id == broken.user_id:
                raise RuntimeError("client unavailable")
            return await rig.provider.executor(account)

    rig.monitor._executors = Provider()
    bar = Bar(rig.clock.now_ms(), D(100), D(95), D(95))
    report = await rig.monitor.tick([broken, good], {SYMBOL: bar}, rig.ctx("95"))
    assert report.exits == 1
    assert set(report.errors) == {broken.user_id}
    assert await rig.position() is None  # the good account's stop was executed
