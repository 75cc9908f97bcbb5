"""The trader (T2-T6, C3, C5): one burst of signals, fanned out to every subscribed account.

Accounts run in a bounded task pool, so a slow account holds one slot and never blocks
the others; an account that fails or times out gets a report saying so (and is blocked
until reconciled, since an order may be in flight) while the rest go on. Per account:
guard, exits first, then entitlements, balance (cached), kill switch, prioritised
entries, sizing, limits, execution. Every signal ends as sent, skipped or rejected,
with a reason code.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from simbiot.config.sections import RiskSettings, TradingSettings
from simbiot.domain.clock import Clock
from simbiot.execution.accounts import (
    AllowAll,
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
from simbiot.execution.ledger import Ledger
from simbiot.execution.reconcile import AccountGuard
from simbiot.execution.user_cycle import UserCycle
from simbiot.risk.reasons import Reason
from simbiot.signals.model import Signal

__all__ = ["Trader"]

log = logging.getLogger(__name__)


class Trader:
    """Turns signal bursts into per-account decisions and orders."""

    def __init__(
        self,
        *,
        executors: ExecutorProvider,
        ledger: Ledger,
        balances: BalanceCache,
        guard: AccountGuard,
        risk: RiskSettings,
        settings: TradingSettings,
        clock: Clock,
        entitlements: Entitlements | None = None,
        equity: EquityMarks | None = None,
    ) -> None:
        self._cycle = UserCycle(
            executors=executors,
            ledger=ledger,
            balances=balances,
            guard=guard,
            risk=risk,
            settings=settings,
            entitlements=entitlements or AllowAll(),
            equity=equity or EquityMarks(clock),
        )
        self._guard = guard
        self._settings = settings

    async def on_signals(
        self, signals: Sequence[Signal], accounts: Sequence[UserAccount], context: MarketContext
    ) -> list[UserReport]:
        """Decide (and place) every subscribed account's orders for one burst of signals."""
        by_config: dict[str, list[Signal]] = defaultdict(list)
        for s in signals:
            by_config[s.config_id].append(s)
        # One task per account: several subscriptions of one account share its balance.
        work: dict[tuple[int, str], tuple[UserAccount, list[Signal]]] = {}
        for account in accounts:
            mine = by_config.get(account.subscription.config_id)
            if not mine:
                continue
            key = (account.user_id, account.account_ref)
            if key in work:
                work[key][1].extend(mine)
            else:
                work[key] = (account, list(mine))
        slots = asyncio.Semaphore(self._settings.max_concurrent_users)
        jobs = [self._guarded(acc, sigs, context, slots) for acc, sigs in work.values()]
        return list(await asyncio.gather(*jobs))

    async def _guarded(
        self,
        account: UserAccount,
        signals: list[Signal],
        context: MarketContext,
        slots: asyncio.Semaphore,
    ) -> UserReport:
        async with slots:
            try:
                return await asyncio.wait_for(
                    self._cycle.run(account, signals, context), self._settings.user_timeout_s
                )
            except TimeoutError:
                reason, code = "gave up after user_timeout_s", Reason.USER_TIMEOUT
            except Exception as exc:
                # One failing account must never stop the others (C3).
                log.exception("account %s/%s failed", account.user_id, account.account_ref)
                reason, code = f"{type(exc).__name__}: {exc}", Reason.USER_FAILED
        # An order may be in flight: trade again only after reconciliation.
        self._guard.block(account.user_id, account.account_ref, f"{code.value}: {reason}")
        decisions = tuple(
            Decision(s.symbol, s.side.value, Outcome.SKIPPED, code.value) for s in signals
        )
        return UserReport(account.user_id, account.account_ref, decisions, error=reason)
