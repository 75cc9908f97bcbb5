"""The trading step of a cycle: signals fanned out to accounts, orders, exits, results.

Built once per process from the container (:func:`build_trading`); :meth:`TradingStack.cycle`
runs one burst after an X-ray: the signal service evaluates each distinct configuration
once, the trader decides and executes per account, the position monitor applies exits.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from simbiot.analysis.indicators import atr
from simbiot.analysis.xray.engine import XRayResult
from simbiot.config.sections import DemoUserSettings
from simbiot.domain.errors import NotFound
from simbiot.domain.market import MarketInfo
from simbiot.execution.accounts import MarketContext, UserAccount, UserReport
from simbiot.execution.balances import BalanceCache
from simbiot.execution.events import BusEventSink
from simbiot.execution.executors import Executors
from simbiot.execution.ledger import Ledger
from simbiot.execution.monitor import MonitorReport, PositionMonitor
from simbiot.execution.paper import PaperExecutor
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.prices import TickerPrices
from simbiot.execution.reconcile import AccountGuard
from simbiot.execution.trader import Trader
from simbiot.risk.exits import Bar
from simbiot.services.container import Container
from simbiot.services.ml_trading import ModelTrading
from simbiot.signals import SignalCycleResult, SignalInputs, Subscription
from simbiot.storage.repositories import bots, orders, positions, strategies, users

__all__ = ["AccountResult", "TradingCycle", "TradingStack", "build_trading", "seed_demo_users"]


@dataclass(frozen=True, slots=True)
class TradingCycle:
    """What one trading cycle did."""

    signals: SignalCycleResult
    reports: Sequence[UserReport]
    monitor: MonitorReport
    ml_dropped: int = 0

    @property
    def orders_sent(self) -> int:
        return sum(1 for r in self.reports for d in r.decisions if d.outcome.value == "sent")


@dataclass(frozen=True, slots=True)
class AccountResult:
    """A paper account's standing: cash, open positions at the last price, equity, PnL."""

    email: str
    strategy: str
    capital: Decimal
    cash: Decimal
    positions: int
    position_value: Decimal
    orders: int

    @property
    def equity(self) -> Decimal:
        return self.cash + self.position_value

    @property
    def pnl_pct(self) -> float:
        return float((self.equity - self.capital) / self.capital * 100)


class TradingStack:
    """The trader, the position monitor and their shared parts for one venue."""

    def __init__(
        self,
        container: Container,
        accounts: Sequence[UserAccount],
        capital: Mapping[str, Decimal],
        emails: Mapping[int, str],
    ) -> None:
        c = container
        self._c = c
        self.venue = c.venue(None)
        self.accounts = list(accounts)
        self._capital = dict(capital)
        self._emails = dict(emails)
        settings, risk, clock = c.settings.trading, c.settings.risk, c.clock
        self.ledger = Ledger(c.database)
        self._prices = TickerPrices(c.market_data(self.venue), clock)
        self._paper_balances = PaperBalances(
            self.ledger, lambda _user, ref: self._capital.get(ref, Decimal(0))
        )
        paper = PaperExecutor(self.ledger, self._prices, clock, settings, self._paper_balances)
        executors = Executors(paper, self.ledger, clock, settings)
        self._balances = BalanceCache(
            self._paper_balances.free_quote, clock, settings.balance_ttl_s
        )
        self.guard = AccountGuard()
        self.trader = Trader(
            executors=executors,
            ledger=self.ledger,
            balances=self._balances,
            guard=self.guard,
            risk=risk,
            settings=settings,
            clock=clock,
        )
        self._models = ModelTrading(c)
        self.monitor = PositionMonitor(
            executors=executors,
            ledger=self.ledger,
            balances=self._balances,
            risk=risk,
            settings=settings,
            sink=BusEventSink(c.bus),
            clock=clock,
        )

    @property
    def subscriptions(self) -> list[Subscription]:
        return [a.subscription for a in self.accounts]

    async def cycle(self, xray: XRayResult) -> TradingCycle:
        """Signals for every subscribed configuration, then trading and exits per account."""
        result = await self._c.signal_service.run_cycle(
            SignalInputs.from_xray(xray), self.subscriptions
        )
        ctx, bars = await self._context(xray)
        flat = [s for sigs in result.signals.values() for s in sigs]
        flat, ctx, dropped = await self._models.apply(xray, flat, ctx)
        reports = await self.trader.on_signals(flat, self.accounts, ctx)
        monitor = await self.monitor.tick(self.accounts, bars, ctx)
        return TradingCycle(result, reports, monitor, dropped)

    async def _context(self, xray: XRayResult) -> tuple[MarketContext, dict[str, Bar]]:
        frame = xray.frame
        markets: Mapping[str, MarketInfo] = await self._c.metadata(self.venue).markets()
        tickers = await self._c.market_data(self.venue).fetch_tickers()
        last = frame.close[:, -1] if frame.close.shape[1] else np.empty(0)
        atr_now = atr(frame.high, frame.low, frame.close, self._c.settings.analysis.atr_period)
        prices: dict[str, Decimal] = {}
        atrs: dict[str, float] = {}
        bars: dict[str, Bar] = {}
        for i, symbol in enumerate(frame.symbols):
            ticker = tickers.get(symbol)
            price = ticker.last if ticker is not None and ticker.last > 0 else float(last[i])
            if not np.isfinite(price) or price <= 0:
                continue
            p = Decimal(repr(price))
            prices[symbol] = p
            value = float(atr_now[i, -1]) if atr_now.shape[1] else float("nan")
            if np.isfinite(value):
                atrs[symbol] = value
            hi, lo = float(frame.high[i, -1]), float(frame.low[i, -1])
            if np.isfinite(hi) and np.isfinite(lo):
                bars[symbol] = Bar(
                    int(frame.timestamp[-1]),
                    Decimal(repr(max(hi, price))),
                    Decimal(repr(min(lo, price))),
                    p,
                )
        ctx = MarketContext(self.venue, xray.state.regime.value, markets, prices, atrs)
        return ctx, bars

    async def results(self) -> list[AccountResult]:
        """Every account's cash, positions at the last price, and equity."""
        out = []
        for account in self.accounts:
            ref = account.account_ref
            cash = await self._paper_balances.free_quote(account.user_id, ref)
            async with self._c.database.transaction() as session:
                open_rows = await positions.list_open(
                    session, user_id=account.user_id, bot_id=account.bot_id
                )
                placed = await orders.count_for_account(
                    session, user_id=account.user_id, account_ref=ref
                )
            value = Decimal(0)
            for row in open_rows:
                price = await self._prices.last_price(self.venue, row.symbol)
                value += row.amount * (price if price is not None else row.entry_price)
            out.append(
                AccountResult(
                    self._emails.get(account.user_id, str(account.user_id)),
                    account.subscription.config.strategy,
                    self._capital.get(ref, Decimal(0)),
                    cash,
                    len(open_rows),
                    value,
                    placed,
                )
            )
        return out


async def seed_demo_users(
    container: Container, demo: Sequence[DemoUserSettings]
) -> tuple[list[UserAccount], dict[str, Decimal], dict[int, str]]:
    """Create (once) each demo user with a paper bot on its strategy; return their accounts."""
    registry = container.strategies
    accounts: list[UserAccount] = []
    capital: dict[str, Decimal] = {}
    emails: dict[int, str] = {}
    venue = container.venue(None)
    async with container.database.transaction() as session:
        for spec in demo:
            config = registry.default_config(spec.strategy, **spec.params)
            try:
                user = await users.get_by_email(session, email=spec.email)
            except NotFound:
                # Demo users cannot log in: their password is a random unrecorded secret.
                user = await users.create(
                    session, email=spec.email, password_hash=f"!demo:{secrets.token_hex(16)}"
                )
            existing = [
                b
                for b in await bots.list_for_user(session, user_id=user.id)
                if b.name == spec.strategy
            ]
            if existing:
                bot = existing[0]
            else:
                strat = await strategies.create(
                    session,
                    user_id=user.id,
                    name=spec.strategy,
                    kind="builtin",
                    definition={"strategy": config.strategy, "params": dict(config.params)},
                )
                bot = await bots.create(
                    session,
                    user_id=user.id,
                    strategy_id=strat.id,
                    name=spec.strategy,
                    mode="paper",
                    params=dict(config.params),
                )
            ref = orders.paper_account_ref(bot.id)
            capital[ref] = Decimal(repr(spec.capital))
            emails[user.id] = spec.email
            sub = Subscription(user.id, config, max_slots=spec.max_slots, capital=capital[ref])
            accounts.append(UserAccount(user.id, bot.id, venue, ref, sub, paper=True))
    return accounts, capital, emails


async def build_trading(container: Container) -> TradingStack:
    """Seed the configured demo users and build the trading stack over them."""
    accounts, capital, emails = await seed_demo_users(container, container.settings.run.users)
    return TradingStack(container, accounts, capital, emails)
