"""The paper-trading engine of one backtest account, wired as the running system wires it.

A :class:`Desk` holds the trader, the position monitor and their shared parts (ledger,
paper executor, balances) over an in-memory SQLite database, with a SimulatedClock and
StaticPrices the replay moves bar by bar. One user with one paper bot follows the
strategy; its whole capital is one shared cash balance, as in paper trading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from simbiot.config.sections import DatabaseSettings, RiskSettings, TradingSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.market import MarketInfo
from simbiot.execution.accounts import UserAccount
from simbiot.execution.balances import BalanceCache
from simbiot.execution.events import MemoryEventSink
from simbiot.execution.executors import Executors
from simbiot.execution.ledger import Ledger
from simbiot.execution.monitor import PositionMonitor
from simbiot.execution.paper import PaperExecutor
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.prices import StaticPrices
from simbiot.execution.reconcile import AccountGuard
from simbiot.execution.trader import Trader
from simbiot.signals.model import StrategyConfig, Subscription
from simbiot.storage.base import Base
from simbiot.storage.database import Database
from simbiot.storage.repositories import bots, orders, strategies, users

__all__ = ["Desk", "EngineConfig", "backtest_market", "open_desk"]

# Fine steps: a backtest market must not round away the amounts of cheap coins.
_PRICE_STEP = Decimal("1e-12")
_AMOUNT_STEP = Decimal("1e-8")
_EMAIL = "backtest@simbiot.local"
_NO_LOGIN = "!"


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """What the engine mode trades with besides the backtest settings.

    ``risk`` and ``trading`` are the user's sections (paper fee, slippage and capital are
    taken from the backtest settings); ``regime`` stands in for the X-ray's market state;
    ``markets`` overrides the venue facts of any symbol; ``max_slots`` bounds open positions.
    ``quotes`` (symbols, time) is the venue's price when the cycle after each bar's close
    runs, where it is known (recorded tickers, a simulator); None means the next bar's open.
    """

    risk: RiskSettings = field(default_factory=RiskSettings)
    trading: TradingSettings = field(default_factory=TradingSettings)
    regime: str = "bull"
    atr_period: int = 14
    max_slots: int = 5
    markets: dict[str, MarketInfo] = field(default_factory=dict)
    quotes: npt.NDArray[np.float64] | None = None


def backtest_market(exchange: str, symbol: str) -> MarketInfo:
    """Return venue facts for a symbol that has none: fine steps, no minimums beyond 1e-8."""
    base, _, quote = symbol.partition("/")
    return MarketInfo(
        exchange, symbol, base, quote or "USDT", _PRICE_STEP, _AMOUNT_STEP, _AMOUNT_STEP
    )


@dataclass(slots=True)
class Desk:
    """The running parts of one engine-mode backtest."""

    database: Database
    clock: SimulatedClock
    prices: StaticPrices
    ledger: Ledger
    balances: PaperBalances
    trader: Trader
    monitor: PositionMonitor
    sink: MemoryEventSink
    account: UserAccount
    capital: Decimal

    async def close(self) -> None:
        """Release the database."""
        await self.database.close()


async def open_desk(
    exchange: str,
    config: StrategyConfig,
    trading: TradingSettings,
    engine: EngineConfig,
    clock: SimulatedClock,
    *,
    url: str = "sqlite+aiosqlite://",
) -> Desk:
    """Create the schema, one user with a paper bot on ``config``, and the trading parts."""
    db = Database(url, DatabaseSettings(auto_migrate=False))
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with db.transaction() as session:
            # The backtest's user cannot log in: "!" is no password hash at all.
            user = await users.create(session, email=_EMAIL, password_hash=_NO_LOGIN)
            strat = await strategies.create(
                session, user_id=user.id, name=config.strategy, kind="builtin",
                definition={"strategy": config.strategy, "params": dict(config.params)},
            )  # fmt: skip
            bot = await bots.create(
                session, user_id=user.id, strategy_id=strat.id, name=config.strategy,
                mode="paper", params=dict(config.params),
            )  # fmt: skip
    except BaseException:
        await db.close()
        raise
    capital = Decimal(repr(trading.paper_capital))
    ref = orders.paper_account_ref(bot.id)
    sub = Subscription(user.id, config, max_slots=engine.max_slots, capital=capital)
    account = UserAccount(user.id, bot.id, exchange, ref, sub, paper=True)
    ledger = Ledger(db, clock=clock)
    prices = StaticPrices()
    paper_balances = PaperBalances(ledger, lambda _user, _ref: capital)
    paper = PaperExecutor(ledger, prices, clock, trading, paper_balances)
    executors = Executors(paper, ledger, clock, trading)
    balances = BalanceCache(paper_balances.free_quote, clock, trading.balance_ttl_s)
    sink = MemoryEventSink()
    trader = Trader(
        executors=executors, ledger=ledger, balances=balances, guard=AccountGuard(),
        risk=engine.risk, settings=trading, clock=clock,
    )  # fmt: skip
    monitor = PositionMonitor(
        executors=executors, ledger=ledger, balances=balances, risk=engine.risk,
        settings=trading, sink=sink, clock=clock,
    )  # fmt: skip
    return Desk(db, clock, prices, ledger, paper_balances, trader, monitor, sink, account, capital)
