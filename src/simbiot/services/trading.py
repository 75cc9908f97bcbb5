"""The trading step of a cycle: signals fanned out to accounts, orders, exits, results.

Built once per process from the container (:func:`build_trading`); :meth:`TradingStack.cycle`
runs one burst after an X-ray: the running bots are read from the database (with their
owners' plans and settings), the signal service evaluates each distinct configuration once,
the trader decides and executes per account (with each owner's risk settings and symbol
lists), the position monitor applies exits, and every running bot's equity is recorded.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

from simbiot.analysis.indicators import atr
from simbiot.analysis.xray.engine import XRayResult
from simbiot.config.sections import DemoUserSettings
from simbiot.domain.errors import NotFound, SimbiotError
from simbiot.domain.market import MarketInfo
from simbiot.exchange.ports import TradingPort
from simbiot.execution.accounts import MarketContext, UserAccount, UserReport
from simbiot.execution.balances import BalanceCache
from simbiot.execution.equity import EquityMarks
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
from simbiot.services.entitlements import (
    BotClaim,
    PlanEntitlements,
    Refusal,
    admit,
    position_slots,
)
from simbiot.services.equity_book import EquityBook
from simbiot.services.market_feed import publish_predictions
from simbiot.services.ml_trading import ModelTrading
from simbiot.services.running_bots import RunningBot, RunningBots, capitals
from simbiot.signals import SignalCycleResult, SignalInputs, Subscription
from simbiot.storage.repositories import bot_history, bots, orders, positions, strategies, users

__all__ = ["AccountResult", "TradingCycle", "TradingStack", "build_trading", "seed_demo_users"]

log = logging.getLogger(__name__)


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
    """The trader, the position monitor and their shared parts for one venue.

    The accounts are the running bots in the database, re-read at every cycle
    (:meth:`refresh`): a bot started or stopped through the API trades or stops at the
    next cycle. Plan entitlements decide which bots may open positions and how many.
    """

    def __init__(
        self, container: Container, *, entitlements: PlanEntitlements | None = None
    ) -> None:
        c = container
        self._c = c
        self.venue = c.venue(None)
        settings, risk, clock = c.settings.trading, c.settings.risk, c.clock
        self.running: list[RunningBot] = []
        self.accounts: list[UserAccount] = []
        self.refused: dict[int, Refusal] = {}
        # Bots stopped while holding positions: their exits are still watched until flat.
        self.winding: list[UserAccount] = []
        self._winding: dict[int, RunningBot] = {}
        self._capital: dict[str, Decimal] = {}
        self._live: dict[str, str] = {}  # live account reference → venue
        self._bots = RunningBots(
            c.database,
            c.strategies,
            self.venue,
            default_capital=Decimal(repr(settings.paper_capital)),
            risk=risk,
            signals=c.settings.signals,
        )
        self.entitlements = entitlements or PlanEntitlements(c.database, c.settings.billing, clock)
        self.equity_marks = EquityMarks(clock)
        self._book = EquityBook(c.database, clock)
        self.ledger = Ledger(c.database, clock=clock)
        self._prices = TickerPrices(c.market_data(self.venue), clock)
        self._paper_balances = PaperBalances(
            self.ledger, lambda _user, ref: self._capital.get(ref, Decimal(0))
        )
        paper = PaperExecutor(self.ledger, self._prices, clock, settings, self._paper_balances)
        executors = Executors(paper, self.ledger, clock, settings, port_for=self._port_for)
        self._balances = BalanceCache(self._free_quote, clock, settings.balance_ttl_s)
        self.guard = AccountGuard()
        self.trader = Trader(
            executors=executors,
            ledger=self.ledger,
            balances=self._balances,
            guard=self.guard,
            risk=risk,
            settings=settings,
            clock=clock,
            entitlements=self.entitlements,
            equity=self.equity_marks,
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

    async def _port_for(self, account: UserAccount) -> TradingPort:
        return await self._c.exchanges.trading(
            account.exchange, str(account.user_id), account.account_ref
        )

    async def _free_quote(self, user_id: int, account_ref: str) -> Decimal:
        venue = self._live.get(account_ref)
        if venue is None:
            return await self._paper_balances.free_quote(user_id, account_ref)
        port = await self._c.exchanges.trading(venue, str(user_id), account_ref)
        balance = (await port.fetch_balance()).get(self._c.settings.trading.quote)
        return balance.free if balance is not None else Decimal(0)

    async def refresh(self) -> list[UserAccount]:
        """Load the running bots, their owners' settings and plans; return the accounts to trade.

        A bot its plan refuses (strategy, live trading, number of bots) keeps its open
        positions managed but gets no position slot; the others get at most the plan's
        ``max_symbols`` slots.
        """
        running = await self._bots.load()
        grants = await self.entitlements.refresh(b.user_id for b in running)
        by_user: dict[int, list[BotClaim]] = {}
        for b in running:
            by_user.setdefault(b.user_id, []).append(
                BotClaim(b.bot_id, b.user_id, b.strategy, b.account.paper)
            )
        refused: dict[int, Refusal] = {}
        for uid, claims in by_user.items():
            refused.update(admit(grants[uid], claims))
        accounts = []
        for b in running:
            slots = 0 if b.bot_id in refused else position_slots(grants[b.user_id], b.slots)
            sub = b.account.subscription
            if sub.max_slots != slots:
                sub = replace(sub, max_slots=slots)
            accounts.append(replace(b.account, subscription=sub))
        await self._wind_down(running)
        self.running, self.accounts, self.refused = running, accounts, refused
        known = running + list(self._winding.values())
        self._capital = capitals(known)
        self._live = {b.account.account_ref: b.account.exchange for b in known if b.capital is None}
        try:
            await self._book.restore(running, self.equity_marks)
        except SimbiotError:
            # The limits then start from this process's own marks.
            log.warning("recorded equity not restored", exc_info=True)
        return accounts

    async def _record_equity(self, ctx: MarketContext) -> None:
        """Mark every running bot's equity; a storage failure loses this cycle's marks only."""
        try:
            await self._book.record(self.running, ctx.prices, self._balances.free)
        except SimbiotError:
            log.warning("equity marks of this cycle not recorded", exc_info=True)

    async def _publish_predictions(self, xray: XRayResult) -> None:
        """Share the cycle's model predictions with API readers; a failure is only logged."""
        try:
            await publish_predictions(self._c, xray.frame)
        except (SimbiotError, ValueError):
            log.warning("predictions of this cycle not published", exc_info=True)

    async def _wind_down(self, running: list[RunningBot]) -> None:
        """Keep watching the exits of bots stopped since the last cycle until they are flat
        (one query for all of them); they open nothing."""
        now_running = {b.bot_id for b in running}
        for b in self.running:
            if b.bot_id not in now_running:
                self._winding[b.bot_id] = b
        for bot_id in now_running:
            self._winding.pop(bot_id, None)
        if self._winding:
            owners = {b.bot_id: b.user_id for b in self._winding.values()}
            async with self._c.database.transaction() as session:
                rows = await bot_history.open_positions_of_bots(session, owners=owners)
            holding = {r.bot_id for r in rows}
            self._winding = {k: b for k, b in self._winding.items() if k in holding}
        self.winding = [
            replace(b.account, subscription=replace(b.account.subscription, max_slots=0))
            for b in self._winding.values()
        ]

    async def cycle(self, xray: XRayResult) -> TradingCycle:
        """Signals for every subscribed configuration, then trading and exits per account,
        then one equity mark per running bot."""
        await self.refresh()
        result = await self._c.signal_service.run_cycle(
            SignalInputs.from_xray(xray), self.subscriptions
        )
        ctx, bars = await self._context(xray)
        flat = [s for sigs in result.signals.values() for s in sigs]
        flat, ctx, dropped = await self._models.apply(xray, flat, ctx)
        await self._publish_predictions(xray)
        reports = await self.trader.on_signals(flat, self.accounts, ctx)
        monitor = await self.monitor.tick(self.accounts + self.winding, bars, ctx)
        await self._record_equity(ctx)
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
        """Every running bot's cash, positions at the last price, and equity."""
        if not self.running:
            return []
        emails: dict[int, str] = {}
        async with self._c.database.transaction() as session:
            for uid in dict.fromkeys(b.user_id for b in self.running):
                emails[uid] = (await users.get(session, user_id=uid)).email
        out = []
        for bot in self.running:
            account = bot.account
            ref = account.account_ref
            cash = await self._free_quote(account.user_id, ref)
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
                    emails.get(account.user_id, str(account.user_id)),
                    account.subscription.config.strategy,
                    bot.capital if bot.capital is not None else cash + value,
                    cash,
                    len(open_rows),
                    value,
                    placed,
                )
            )
        return out


async def seed_demo_users(container: Container, demo: Sequence[DemoUserSettings]) -> list[int]:
    """Create (once) each demo user with a paper bot on its strategy, and start the bots;
    return their ids. The bot's params carry its capital and position slots."""
    registry = container.strategies
    bot_ids: list[int] = []
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
            params = {"capital": repr(spec.capital), "max_slots": spec.max_slots}
            existing = [
                b
                for b in await bots.list_for_user(session, user_id=user.id)
                if b.name == spec.strategy
            ]
            if existing:
                bot = existing[0]
                if bot.params != params:
                    await bots.update_params(session, user_id=user.id, bot_id=bot.id, params=params)
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
                    params=params,
                )
            if bot.status != "running":
                await bots.set_status(session, user_id=user.id, bot_id=bot.id, status="running")
            bot_ids.append(bot.id)
    return bot_ids


async def build_trading(container: Container) -> TradingStack:
    """Seed the configured demo users, then build the trading stack over every running bot."""
    await seed_demo_users(container, container.settings.run.users)
    stack = TradingStack(container)
    await stack.refresh()
    return stack
