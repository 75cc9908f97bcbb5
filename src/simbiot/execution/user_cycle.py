"""One account's share of a signal burst: exits, then funded, sized, limited entries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from simbiot.config.sections import RiskSettings, TradingSettings
from simbiot.domain.orders import OrderSide, OrderType
from simbiot.execution.accounts import (
    Decision,
    Entitlements,
    ExecutorProvider,
    MarketContext,
    Outcome,
    UserAccount,
    UserReport,
)
from simbiot.execution.balances import BalanceCache
from simbiot.execution.equity import EquityMarks
from simbiot.execution.executor import Executor
from simbiot.execution.ledger import Ledger
from simbiot.execution.model import (
    ExecutionResult,
    OrderRequest,
    PositionLevels,
    new_client_order_id,
)
from simbiot.execution.reconcile import AccountGuard
from simbiot.execution.state import OrderState
from simbiot.risk.exits import initial_levels
from simbiot.risk.limits import AccountState, check_entry, kill_switch
from simbiot.risk.reasons import Reason
from simbiot.risk.sizing import Conditions, Skip, decimal_of, round_price, size_entry, size_exit
from simbiot.signals.model import Signal
from simbiot.signals.priority import select
from simbiot.storage.tables import PositionRow

__all__ = ["UserCycle", "reason_code"]

log = logging.getLogger(__name__)
ZERO = Decimal(0)
_SELECTION_REASONS = {
    "already held": Reason.ALREADY_HELD,
    "same symbol ranked higher": Reason.ALREADY_HELD,
    "no free slot": Reason.MAX_OPEN_POSITIONS,
    "not enough capital": Reason.NO_BALANCE,
}


def reason_code(reason: str | None) -> str:
    """Return the stable code at the head of an executor's reason (``code: detail``)."""
    if not reason:
        return Reason.EXCHANGE_REJECTED.value
    head = reason.split(":", 1)[0].strip()
    return head if head in Reason.__members__.values() or head == "never_placed" else reason


class UserCycle:
    """Runs one account through one burst; the trader runs many of these at once.

    ``risk`` is the deployment's risk settings, used for accounts without their own; an
    entry in a symbol the account's lists exclude is skipped, its exits still go through.
    """

    def __init__(
        self,
        *,
        executors: ExecutorProvider,
        ledger: Ledger,
        balances: BalanceCache,
        guard: AccountGuard,
        risk: RiskSettings,
        settings: TradingSettings,
        entitlements: Entitlements,
        equity: EquityMarks,
    ) -> None:
        self._executors = executors
        self._ledger = ledger
        self._balances = balances
        self._guard = guard
        self._risk = risk
        self._settings = settings
        self._entitlements = entitlements
        self._equity = equity

    async def run(
        self, account: UserAccount, signals: Sequence[Signal], ctx: MarketContext
    ) -> UserReport:
        """Decide every signal of this account; place what passes."""
        blocked = self._guard.reason(account.user_id, account.account_ref)
        if blocked is not None:
            return self._all(account, signals, Outcome.SKIPPED, Reason.ACCOUNT_BLOCKED.value)
        executor = await self._executors.executor(account)
        rows = await self._ledger.open_positions(user_id=account.user_id, bot_id=account.bot_id)
        held = {p.symbol: p for p in rows if p.exchange == account.exchange}
        decisions: list[Decision] = []
        for s in signals:
            if not s.side.is_entry:
                decisions.append(await self._exit(account, executor, s, held, ctx))
        entries = []
        for s in signals:
            if not s.side.is_entry:
                continue
            if account.symbols.permits(s.symbol):
                entries.append(s)
            else:
                decisions.append(
                    Decision(s.symbol, s.side.value, Outcome.SKIPPED, Reason.SYMBOL_EXCLUDED.value)
                )
        if entries:
            decisions.extend(await self._entries(account, executor, entries, held, ctx))
        return UserReport(account.user_id, account.account_ref, tuple(decisions))

    @staticmethod
    def _all(
        account: UserAccount, signals: Sequence[Signal], outcome: Outcome, reason: str
    ) -> UserReport:
        decisions = tuple(Decision(s.symbol, s.side.value, outcome, reason) for s in signals)
        return UserReport(account.user_id, account.account_ref, decisions)

    def _request(
        self,
        account: UserAccount,
        symbol: str,
        side: OrderSide,
        amount: Decimal,
        price: Decimal,
        levels: PositionLevels | None,
        order_type: OrderType,
    ) -> OrderRequest:
        return OrderRequest(
            user_id=account.user_id,
            bot_id=account.bot_id,
            exchange=account.exchange,
            account_ref=account.account_ref,
            symbol=symbol,
            side=side,
            type=order_type,
            amount=amount,
            price=price,
            client_order_id=new_client_order_id(self._settings.client_order_id_prefix),
            levels=levels,
        )

    @staticmethod
    def _decided(s: Signal, result: ExecutionResult, amount: Decimal) -> Decision:
        cid = result.key.client_order_id
        if result.state is OrderState.REJECTED:
            return Decision(
                s.symbol,
                s.side.value,
                Outcome.REJECTED,
                reason_code(result.reason),
                cid,
                result.state,
                amount,
            )
        return Decision(s.symbol, s.side.value, Outcome.SENT, None, cid, result.state, amount)

    async def _exit(
        self,
        account: UserAccount,
        executor: Executor,
        s: Signal,
        held: dict[str, PositionRow],
        ctx: MarketContext,
    ) -> Decision:
        pos = held.get(s.symbol)
        market, price = ctx.markets.get(s.symbol), ctx.prices.get(s.symbol)
        if pos is None:
            return Decision(s.symbol, s.side.value, Outcome.SKIPPED, Reason.NO_POSITION.value)
        if market is None or price is None:
            return Decision(s.symbol, s.side.value, Outcome.SKIPPED, Reason.NO_PRICE.value)
        sized = size_exit(market=market, held=pos.amount, fraction=Decimal(1), price=price)
        if isinstance(sized, Skip):
            return Decision(s.symbol, s.side.value, Outcome.SKIPPED, sized.reason.value)
        request = self._request(
            account, s.symbol, OrderSide.SELL, sized.amount, price, None, OrderType.MARKET
        )
        result = await executor.submit(request)
        await self._balances.invalidate(account.user_id, account.account_ref)
        held.pop(s.symbol, None)
        return self._decided(s, result, sized.amount)

    async def _entries(
        self,
        account: UserAccount,
        executor: Executor,
        entries: list[Signal],
        held: dict[str, PositionRow],
        ctx: MarketContext,
    ) -> list[Decision]:
        def every(outcome: Outcome, reason: str) -> list[Decision]:
            return [Decision(s.symbol, s.side.value, outcome, reason) for s in entries]

        if not await self._entitlements.may_trade(account.user_id, paper=account.paper):
            return every(Outcome.SKIPPED, Reason.NOT_ENTITLED.value)
        free = await self._balances.free(account.user_id, account.account_ref)
        exposure = {sym: p.amount * ctx.prices.get(sym, p.entry_price) for sym, p in held.items()}
        equity = free + sum(exposure.values(), ZERO)
        peak, day_start = self._equity.mark(account.user_id, account.account_ref, equity)
        state = AccountState(equity, peak, day_start, exposure)
        risk = account.risk_or(self._risk)
        stop = kill_switch(state, risk)
        if stop is not None:
            return every(Outcome.REJECTED, stop.reason.value)
        sub = account.subscription
        # The bot's slots (its params and plan), never more than the user's own limit.
        slots = min(sub.max_slots, risk.max_open_positions)
        capital = min(free, sub.capital) if sub.capital is not None else free
        minimums = [m.min_notional for s in entries if (m := ctx.markets.get(s.symbol))]
        selection = select(
            entries,
            max(0, slots - len(held)),
            max(capital, ZERO),
            min(minimums) if minimums else ZERO,
            held=set(held),
        )
        decisions = [
            Decision(
                s.symbol,
                s.side.value,
                Outcome.SKIPPED,
                _SELECTION_REASONS.get(why, Reason.NO_BALANCE).value,
            )
            for s, why in selection.skipped
        ]
        for allocation in selection.entries:
            decision, spent, notional = await self._entry(
                account, executor, allocation.signal, allocation.amount, state, ctx
            )
            decisions.append(decision)
            if spent:
                free -= spent
                exposure[allocation.signal.symbol] = (
                    exposure.get(allocation.signal.symbol, ZERO) + notional
                )
                state = AccountState(equity, peak, day_start, dict(exposure))
        return decisions

    async def _entry(
        self,
        account: UserAccount,
        executor: Executor,
        s: Signal,
        budget: Decimal,
        state: AccountState,
        ctx: MarketContext,
    ) -> tuple[Decision, Decimal, Decimal]:
        market, price = ctx.markets.get(s.symbol), ctx.prices.get(s.symbol)
        if market is None:
            return (
                Decision(s.symbol, s.side.value, Outcome.SKIPPED, Reason.UNKNOWN_SYMBOL.value),
                ZERO,
                ZERO,
            )
        if price is None or price <= 0:
            return (
                Decision(s.symbol, s.side.value, Outcome.SKIPPED, Reason.NO_PRICE.value),
                ZERO,
                ZERO,
            )
        risk = account.risk_or(self._risk)
        atr = ctx.atr.get(s.symbol) or float(price) * risk.target_volatility
        levels = initial_levels(
            price, atr, ctx.regime, risk, stop_scale=ctx.stop_scale.get(s.symbol, 1.0)
        )
        sized = size_entry(
            market=market,
            price=price,
            stop_price=levels.stop_price,
            equity=state.equity,
            free=budget,
            conditions=Conditions(
                ctx.regime, ctx.volatility(s.symbol), ctx.size_scale.get(s.symbol, 1.0)
            ),
            settings=risk,
        )
        if isinstance(sized, Skip):
            return Decision(s.symbol, s.side.value, Outcome.SKIPPED, sized.reason.value), ZERO, ZERO
        rejection = check_entry(
            state, s.symbol, sized.notional, risk, volatility=ctx.volatility(s.symbol)
        )
        if rejection is not None:
            return (
                Decision(s.symbol, s.side.value, Outcome.REJECTED, rejection.reason.value),
                ZERO,
                ZERO,
            )
        order_type = OrderType(self._settings.order_type)
        order_price = sized.price
        if order_type is OrderType.LIMIT:
            offset = decimal_of(self._settings.limit_offset)
            order_price = round_price(sized.price * (1 + offset), market.price_step)
        request = self._request(
            account,
            s.symbol,
            OrderSide.BUY,
            sized.amount,
            order_price,
            PositionLevels(levels.stop_price, levels.take_profit, levels.trail_pct),
            order_type,
        )
        result = await executor.submit(request)
        if result.filled > 0 or result.state is OrderState.OPEN:
            await self._balances.invalidate(account.user_id, account.account_ref)
        spent = (
            sized.notional + sized.fee_reserve if result.state is not OrderState.REJECTED else ZERO
        )
        return self._decided(s, result, sized.amount), spent, sized.notional if spent else ZERO
