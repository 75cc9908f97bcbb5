"""The position monitor (R2, R3, R4): every tick, exits and partial closes, and alerts.

For each open position with a bar this tick: exit levels are set if missing (a position
healed by reconciliation has none), the exit rules run, what they decide is sold at
market through the account's executor, the new stop and best price are saved against
the position's version, and alerts go to the ``EventSink``: near stop, drawdown from
peak equity, liquidity drop. Accounts run in a bounded pool; one failing account is
reported and never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from simbiot.config.sections import RiskSettings, TradingSettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import Conflict
from simbiot.domain.orders import OrderSide, OrderType
from simbiot.execution.accounts import ExecutorProvider, MarketContext, UserAccount
from simbiot.execution.balances import BalanceCache
from simbiot.execution.equity import EquityMarks
from simbiot.execution.events import (
    DrawdownAlert,
    Event,
    EventSink,
    ExitExecuted,
    LiquidityDrop,
    NearStop,
)
from simbiot.execution.executor import Executor
from simbiot.execution.ledger import Ledger
from simbiot.execution.model import OrderRequest, new_client_order_id
from simbiot.risk.exits import Bar, ExitPlan, PositionView, evaluate, initial_levels
from simbiot.risk.sizing import Skip, decimal_of, size_exit
from simbiot.storage.tables import PositionRow

__all__ = ["MonitorReport", "PositionMonitor"]

log = logging.getLogger(__name__)
ZERO = Decimal(0)


@dataclass(slots=True)
class MonitorReport:
    """What one tick did."""

    positions: int = 0
    exits: int = 0
    events: int = 0
    errors: dict[int, str] = field(default_factory=dict)  # user id → error


class PositionMonitor:
    """Applies exits and partial closes to every open position, tick by tick, with each
    account's own risk settings (``risk``, the deployment's, for accounts without)."""

    def __init__(
        self,
        *,
        executors: ExecutorProvider,
        ledger: Ledger,
        balances: BalanceCache,
        risk: RiskSettings,
        settings: TradingSettings,
        sink: EventSink,
        clock: Clock,
    ) -> None:
        self._executors = executors
        self._ledger = ledger
        self._balances = balances
        self._risk = risk
        self._settings = settings
        self._sink = sink
        self._equity = EquityMarks(clock)
        self._initial: dict[int, Decimal] = {}  # position id → amount first bought

    async def tick(
        self, accounts: Sequence[UserAccount], bars: Mapping[str, Bar], ctx: MarketContext
    ) -> MonitorReport:
        """Run every account's positions against this tick's bars."""
        report = MonitorReport()
        slots = asyncio.Semaphore(self._settings.max_concurrent_users)
        seen: set[tuple[int, str]] = set()

        async def one(account: UserAccount) -> None:
            async with slots:
                try:
                    await self._account(account, bars, ctx, report)
                except Exception as exc:
                    log.exception("monitor: account %s failed", account.user_id)
                    report.errors[account.user_id] = f"{type(exc).__name__}: {exc}"

        unique = []
        for a in accounts:
            if (a.user_id, a.account_ref) not in seen:
                seen.add((a.user_id, a.account_ref))
                unique.append(a)
        await asyncio.gather(*(one(a) for a in unique))
        return report

    async def _emit(self, event: Event, report: MonitorReport) -> None:
        try:
            await self._sink.emit(event)
            report.events += 1
        except Exception:
            # An alert that cannot be delivered must not stop the exits.
            log.exception("event sink failed for %s", type(event).__name__)

    async def _account(
        self,
        account: UserAccount,
        bars: Mapping[str, Bar],
        ctx: MarketContext,
        report: MonitorReport,
    ) -> None:
        rows = await self._ledger.open_positions(user_id=account.user_id, bot_id=account.bot_id)
        rows = [r for r in rows if r.exchange == account.exchange]
        if not rows:
            return
        risk = account.risk_or(self._risk)
        executor = await self._executors.executor(account)
        value = ZERO
        for row in rows:
            bar = bars.get(row.symbol)
            report.positions += 1
            if bar is None:
                value += row.amount * ctx.prices.get(row.symbol, row.entry_price)
                continue
            remaining = await self._position(account, executor, row, bar, ctx, report)
            value += remaining * bar.close
            ratio = ctx.liquidity_ratio.get(row.symbol)
            if remaining > 0 and ratio is not None and ratio < risk.liquidity_drop_ratio:
                await self._emit(LiquidityDrop(account.user_id, row.symbol, ratio), report)
        free = await self._balances.free(account.user_id, account.account_ref)
        equity = free + value
        peak, _ = self._equity.mark(account.user_id, account.account_ref, equity)
        if peak > 0 and (peak - equity) / peak >= decimal_of(risk.drawdown_alert):
            drawdown = (peak - equity) / peak
            await self._emit(DrawdownAlert(account.user_id, account.account_ref, drawdown), report)

    @staticmethod
    def _risk_per_unit(row: PositionRow, atr: float, risk: RiskSettings) -> Decimal:
        if row.take_profit is not None and row.take_profit > row.entry_price:
            return (row.take_profit - row.entry_price) / decimal_of(risk.take_profit_r)
        if row.stop_price is not None and row.stop_price < row.entry_price:
            return row.entry_price - row.stop_price
        return decimal_of(risk.stop_atr) * decimal_of(atr)

    async def _levels(
        self, row: PositionRow, ctx: MarketContext, atr: float, risk: RiskSettings
    ) -> PositionRow:
        if row.stop_price is not None:
            return row
        levels = initial_levels(row.entry_price, atr, ctx.regime, risk)
        return await self._ledger.update_position(
            row,
            {
                "stop_price": levels.stop_price,
                "take_profit": levels.take_profit,
                "trail_pct": levels.trail_pct,
                "best_price": row.entry_price,
            },
        )

    async def _position(
        self,
        account: UserAccount,
        executor: Executor,
        row: PositionRow,
        bar: Bar,
        ctx: MarketContext,
        report: MonitorReport,
    ) -> Decimal:
        """Manage one position; return the amount still held."""
        risk = account.risk_or(self._risk)
        atr = ctx.atr.get(row.symbol) or float(bar.close) * risk.target_volatility
        row = await self._levels(row, ctx, atr, risk)
        initial = self._initial.get(row.id)
        if initial is None:
            initial = max(await self._ledger.bought_since(row, account.account_ref), row.amount)
            self._initial[row.id] = initial
        view = PositionView(
            entry_price=row.entry_price,
            amount=row.amount,
            initial_amount=initial,
            risk_per_unit=self._risk_per_unit(row, atr, risk),
            opened_at_ms=int(row.opened_at.timestamp() * 1000),
            stop_price=row.stop_price,
            take_profit=row.take_profit,
            trail_pct=row.trail_pct,
            best_price=row.best_price,
        )
        plan = evaluate(view, bar, risk)
        held = await self._execute(account, executor, row, plan, ctx, report)
        if held <= 0:
            self._initial.pop(row.id, None)
            return ZERO
        if not plan.closes:
            await self._save_levels(row, plan)
        if plan.stop_price is not None and not plan.closes:
            distance = bar.close - plan.stop_price
            if distance <= decimal_of(risk.near_stop_share) * view.risk_per_unit:
                event = NearStop(account.user_id, row.symbol, bar.close, plan.stop_price)
                await self._emit(event, report)
        return held

    async def _execute(
        self,
        account: UserAccount,
        executor: Executor,
        row: PositionRow,
        plan: ExitPlan,
        ctx: MarketContext,
        report: MonitorReport,
    ) -> Decimal:
        held = row.amount
        market = ctx.markets.get(row.symbol)
        for decision in plan.decisions:
            if market is None:
                break
            sized = size_exit(
                market=market, held=held, fraction=decision.fraction, price=decision.price
            )
            if isinstance(sized, Skip):
                if decision.fraction >= 1:  # too small to sell at all: dust
                    await self._ledger.close_dust(row)
                    return ZERO
                continue
            request = OrderRequest(
                user_id=account.user_id,
                bot_id=account.bot_id,
                exchange=account.exchange,
                account_ref=account.account_ref,
                symbol=row.symbol,
                side=OrderSide.SELL,
                type=OrderType.MARKET,
                amount=sized.amount,
                price=decision.price,
                client_order_id=new_client_order_id(self._settings.client_order_id_prefix),
            )
            result = await executor.submit(request)
            await self._balances.invalidate(account.user_id, account.account_ref)
            report.exits += 1
            event = ExitExecuted(
                account.user_id,
                row.symbol,
                decision.kind.value,
                request.client_order_id,
                result.state.value,
                sized.amount,
            )
            await self._emit(event, report)
            if result.filled > 0:
                held -= result.filled
        return held

    async def _save_levels(self, row: PositionRow, plan: ExitPlan) -> None:
        changes: dict[str, Decimal | None] = {}
        if plan.stop_price != row.stop_price:
            changes["stop_price"] = plan.stop_price
        if plan.best_price != row.best_price:
            changes["best_price"] = plan.best_price
        if not changes:
            return
        fresh = await self._ledger.position(
            user_id=row.user_id, bot_id=row.bot_id, exchange=row.exchange, symbol=row.symbol
        )
        if fresh is None:
            return
        try:
            await self._ledger.update_position(fresh, changes)
        except Conflict:
            log.info("position %s changed meanwhile; levels saved next tick", row.id)
