"""The billing ledger: append-only entries, each written at most once per reference.

Kinds: ``subscription.payment`` and ``credits.purchase`` (money received),
``credits.spend`` (credits used, negative), ``backtest.plan`` (a backtest covered by the
plan's daily allowance, no money or credits) and ``subscription.grant`` (an administrator's
grant). A user's credit balance is the sum of their entries' ``credits``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict
from simbiot.storage.repositories import billing as repo
from simbiot.storage.tables import BillingLedgerRow

__all__ = [
    "BACKTEST_PLAN",
    "CREDITS_PURCHASE",
    "CREDITS_SPEND",
    "SUBSCRIPTION_GRANT",
    "SUBSCRIPTION_PAYMENT",
    "Entry",
    "append_once",
]

SUBSCRIPTION_PAYMENT = "subscription.payment"
SUBSCRIPTION_GRANT = "subscription.grant"
CREDITS_PURCHASE = "credits.purchase"
CREDITS_SPEND = "credits.spend"
BACKTEST_PLAN = "backtest.plan"


@dataclass(frozen=True, slots=True)
class Entry:
    """A ledger row and whether this call wrote it (False: it was already there)."""

    row: BillingLedgerRow
    created: bool


async def append_once(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    reference: str,
    currency: str,
    now: datetime,
    amount: Decimal = Decimal(0),
    credits: int = 0,
) -> Entry:
    """Write the entry for ``reference`` unless the user has one already; return it."""
    existing = await repo.find_ledger_entry(session, user_id=user_id, reference=reference)
    if existing is not None:
        return Entry(existing, False)
    try:
        row = await repo.add_ledger_entry(
            session,
            user_id=user_id,
            kind=kind,
            amount=amount,
            currency=currency,
            credits=credits,
            reference=reference,
            now=now,
        )
    except Conflict:
        # A concurrent writer got there first; its entry is the one that counts.
        raced = await repo.find_ledger_entry(session, user_id=user_id, reference=reference)
        if raced is None:
            raise
        return Entry(raced, False)
    return Entry(row, True)
