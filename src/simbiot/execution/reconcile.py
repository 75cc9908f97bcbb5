"""Reconciliation at start-up and in flight, per user account (crash safety).

Every order the ledger holds as unsettled (written, sent, unknown or resting) is brought
up to date from the venue by client order id, its trades booked once: orders filled,
cancelled or placed while the engine was down are healed. An account whose
reconciliation fails is blocked in the ``AccountGuard`` and does not trade until a later
reconciliation succeeds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from simbiot.domain.errors import StorageError
from simbiot.execution.executor import Executor
from simbiot.execution.ledger import Ledger, key_of
from simbiot.execution.live import VENUE_ERRORS
from simbiot.execution.state import OrderState

__all__ = ["AccountGuard", "AccountRef", "ReconcileReport", "Reconciler"]

log = logging.getLogger(__name__)

AccountRef = tuple[int, str]  # (user id, account reference)


class AccountGuard:
    """Accounts blocked from trading, with the reason a user (or operator) sees."""

    def __init__(self) -> None:
        self._blocked: dict[AccountRef, str] = {}

    def block(self, user_id: int, account_ref: str, reason: str) -> None:
        """Stop the account from trading until :meth:`unblock`."""
        self._blocked[(user_id, account_ref)] = reason

    def unblock(self, user_id: int, account_ref: str) -> None:
        """Let the account trade again."""
        self._blocked.pop((user_id, account_ref), None)

    def reason(self, user_id: int, account_ref: str) -> str | None:
        """Return why the account is blocked, or None when it may trade."""
        return self._blocked.get((user_id, account_ref))

    @property
    def blocked(self) -> dict[AccountRef, str]:
        """Every blocked account with its reason."""
        return dict(self._blocked)


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one account's reconciliation found."""

    user_id: int
    account_ref: str
    checked: int
    states: dict[str, int] = field(default_factory=dict)  # final state → orders
    fills_booked: int = 0
    failures: tuple[tuple[str, str], ...] = ()  # (client order id or "*", reason)

    @property
    def ok(self) -> bool:
        """Whether every order was settled or confirmed."""
        return not self.failures


class Reconciler:
    """Heals accounts from the venue and keeps the guard in step."""

    def __init__(self, ledger: Ledger, guard: AccountGuard) -> None:
        self._ledger = ledger
        self._guard = guard

    async def reconcile(
        self, executor: Executor, *, user_id: int, account_ref: str
    ) -> ReconcileReport:
        """Refresh every unsettled order of one account; block the account on failure."""
        failures: list[tuple[str, str]] = []
        states: Counter[str] = Counter()
        booked = 0
        try:
            rows = await self._ledger.in_flight(user_id=user_id, account_ref=account_ref)
        except StorageError as exc:
            rows = []
            failures.append(("*", f"ledger: {exc}"))
        for row in rows:
            try:
                result = await executor.refresh(key_of(row))
            except (*VENUE_ERRORS, StorageError) as exc:
                failures.append((row.client_order_id, str(exc)))
                continue
            states[result.state.value] += 1
            booked += result.fills_booked
            if result.state is OrderState.UNKNOWN:
                failures.append((row.client_order_id, result.reason or "still unknown"))
        report = ReconcileReport(
            user_id, account_ref, len(rows), dict(states), booked, tuple(failures)
        )
        if report.ok:
            self._guard.unblock(user_id, account_ref)
        else:
            reason = f"reconciliation failed for {len(failures)} order(s): {failures[0][1]}"
            self._guard.block(user_id, account_ref, reason)
            log.warning("account %s/%s blocked: %s", user_id, account_ref, reason)
        return report

    async def reconcile_all(
        self,
        accounts: Sequence[AccountRef],
        executor_for: Callable[[int, str], Awaitable[Executor]],
        *,
        concurrency: int = 16,
    ) -> list[ReconcileReport]:
        """Reconcile many accounts, ``concurrency`` at a time; one failure never stops the rest."""
        slots = asyncio.Semaphore(concurrency)

        async def one(user_id: int, account_ref: str) -> ReconcileReport:
            async with slots:
                try:
                    executor = await executor_for(user_id, account_ref)
                    return await self.reconcile(executor, user_id=user_id, account_ref=account_ref)
                except Exception as exc:
                    # Whatever broke (credentials, client creation), this account waits.
                    log.exception("reconciliation of %s/%s failed", user_id, account_ref)
                    self._guard.block(user_id, account_ref, f"reconciliation failed: {exc}")
                    return ReconcileReport(user_id, account_ref, 0, failures=(("*", str(exc)),))

        return list(await asyncio.gather(*(one(u, a) for u, a in accounts)))
