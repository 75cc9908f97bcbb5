"""Subscriptions, payments, the billing ledger and received webhooks.

Every function a user's request reaches takes ``user_id`` and scopes by it. The few that a
payment provider's webhook or the subscription sweep reach (``find_payment_by_ref``,
``due_subscription_ids``, ``get_subscription_for_update``, ``record_webhook``) are system
lookups by a provider reference or a row id, named as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import NotFound
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables import (
    BillingLedgerRow,
    PaymentRow,
    SubscriptionRow,
    UserRow,
    WebhookEventRow,
)

__all__ = [
    "LIVE_STATUSES",
    "add_ledger_entry",
    "add_payment",
    "add_subscription",
    "count_ledger_since",
    "credit_balance",
    "due_subscription_ids",
    "fail_pending_payments",
    "find_ledger_entry",
    "find_payment_by_ref",
    "get_payment",
    "get_subscription_for_update",
    "ledger_page",
    "live_subscription",
    "lock_user",
    "payments_page",
    "record_webhook",
]

# Statuses in which a subscription still grants its plan.
LIVE_STATUSES = ("active", "grace")


async def lock_user(session: AsyncSession, *, user_id: int) -> None:
    """Serialise a user's balance-changing transactions (row lock on PostgreSQL; SQLite's
    writers queue behind BEGIN IMMEDIATE already). Raise ``NotFound`` for no such user."""
    async with translated("lock user"):
        found = await session.scalar(
            select(UserRow.id).where(UserRow.id == user_id).with_for_update()
        )
    if found is None:
        raise NotFound(f"user {user_id} not found")


# ---------------------------------------------------------------- subscriptions
async def live_subscription(
    session: AsyncSession, *, user_id: int, for_update: bool = False
) -> SubscriptionRow | None:
    """The user's active or grace subscription with the latest period end, if any."""
    query = (
        select(SubscriptionRow)
        .where(SubscriptionRow.user_id == user_id, SubscriptionRow.status.in_(LIVE_STATUSES))
        .order_by(SubscriptionRow.period_end.desc(), SubscriptionRow.id.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    async with translated("get live subscription"):
        row: SubscriptionRow | None = await session.scalar(query)
        return row


async def add_subscription(
    session: AsyncSession,
    *,
    user_id: int,
    plan: str,
    period_start: datetime,
    period_end: datetime,
    auto_renew: bool,
    now: datetime,
) -> SubscriptionRow:
    """Start an active subscription for one period."""
    row = SubscriptionRow(
        user_id=user_id,
        plan=plan,
        status="active",
        period_start=period_start,
        period_end=period_end,
        grace_until=None,
        auto_renew=auto_renew,
        created_at=now,
        updated_at=now,
    )
    async with savepoint(session, "add subscription"):
        session.add(row)
    return row


async def get_subscription_for_update(
    session: AsyncSession, *, subscription_id: int
) -> SubscriptionRow | None:
    """System lookup for the sweep: the subscription, locked until the transaction ends."""
    async with translated("get subscription"):
        row: SubscriptionRow | None = await session.scalar(
            select(SubscriptionRow)
            .where(SubscriptionRow.id == subscription_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return row


async def due_subscription_ids(
    session: AsyncSession, *, status: str, due_at: datetime, after_id: int, limit: int
) -> list[int]:
    """System lookup for the sweep: ids of subscriptions in ``status`` whose period end
    (``active``) or grace end (``grace``) is at or before ``due_at``, in id order."""
    column = SubscriptionRow.period_end if status == "active" else SubscriptionRow.grace_until
    async with translated("list due subscriptions"):
        result = await session.scalars(
            select(SubscriptionRow.id)
            .where(
                SubscriptionRow.status == status,
                column <= due_at,
                SubscriptionRow.id > after_id,
            )
            .order_by(SubscriptionRow.id)
            .limit(limit)
        )
        return list(result.all())


# ---------------------------------------------------------------- payments
async def add_payment(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    plan: str | None,
    credits: int,
    amount: Decimal,
    currency: str,
    provider: str,
    provider_ref: str,
    now: datetime,
) -> PaymentRow:
    """Record a pending payment the provider has opened a checkout for."""
    row = PaymentRow(
        user_id=user_id,
        kind=kind,
        plan=plan,
        credits=credits,
        amount=amount,
        currency=currency,
        status="pending",
        provider=provider,
        provider_ref=provider_ref,
        created_at=now,
    )
    async with savepoint(session, "add payment"):
        session.add(row)
    return row


async def get_payment(session: AsyncSession, *, user_id: int, payment_id: int) -> PaymentRow:
    """The user's payment, or ``NotFound``."""
    async with translated("get payment"):
        row = await session.scalar(
            select(PaymentRow).where(PaymentRow.id == payment_id, PaymentRow.user_id == user_id)
        )
    if row is None:
        raise NotFound(f"payment {payment_id} not found")
    return row


async def find_payment_by_ref(
    session: AsyncSession,
    *,
    provider: str,
    provider_ref: str,
    user_id: int | None = None,
    for_update: bool = False,
) -> PaymentRow | None:
    """The payment a provider knows as ``provider_ref``; with ``user_id``, only that user's
    (the webhook, which names no user, passes None)."""
    query = select(PaymentRow).where(
        PaymentRow.provider == provider, PaymentRow.provider_ref == provider_ref
    )
    if user_id is not None:
        query = query.where(PaymentRow.user_id == user_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    async with translated("find payment"):
        row: PaymentRow | None = await session.scalar(query)
        return row


async def fail_pending_payments(
    session: AsyncSession, *, user_id: int, kind: str, now: datetime
) -> int:
    """Mark the user's pending payments of ``kind`` failed (superseded or expired); return
    how many."""
    async with translated("fail pending payments"):
        result = await session.execute(
            update(PaymentRow)
            .where(
                PaymentRow.user_id == user_id,
                PaymentRow.kind == kind,
                PaymentRow.status == "pending",
            )
            .values(status="failed", settled_at=now)
            .execution_options(synchronize_session="fetch")
        )
    count: int = getattr(result, "rowcount", 0) or 0
    return count


async def payments_page(
    session: AsyncSession, *, user_id: int, after_id: int | None, limit: int
) -> Sequence[PaymentRow]:
    """The user's payments with ids above ``after_id``, oldest first."""
    query = select(PaymentRow).where(PaymentRow.user_id == user_id)
    if after_id is not None:
        query = query.where(PaymentRow.id > after_id)
    async with translated("list payments"):
        result = await session.scalars(query.order_by(PaymentRow.id).limit(limit))
        return result.all()


# ---------------------------------------------------------------- ledger
async def find_ledger_entry(
    session: AsyncSession, *, user_id: int, reference: str
) -> BillingLedgerRow | None:
    """The user's ledger entry for ``reference``, if one was written."""
    async with translated("find ledger entry"):
        row: BillingLedgerRow | None = await session.scalar(
            select(BillingLedgerRow).where(
                BillingLedgerRow.user_id == user_id, BillingLedgerRow.reference == reference
            )
        )
        return row


async def add_ledger_entry(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    amount: Decimal,
    currency: str,
    credits: int,
    reference: str,
    now: datetime,
) -> BillingLedgerRow:
    """Append an entry; a reference the user already has raises ``Conflict``."""
    row = BillingLedgerRow(
        user_id=user_id,
        kind=kind,
        amount=amount,
        currency=currency,
        credits=credits,
        reference=reference,
        created_at=now,
    )
    async with savepoint(session, "add ledger entry"):
        session.add(row)
    return row


async def credit_balance(session: AsyncSession, *, user_id: int) -> int:
    """The user's credits: the sum of their ledger's ``credits`` column."""
    async with translated("credit balance"):
        total = await session.scalar(
            select(func.coalesce(func.sum(BillingLedgerRow.credits), 0)).where(
                BillingLedgerRow.user_id == user_id
            )
        )
    return int(total or 0)


async def count_ledger_since(
    session: AsyncSession, *, user_id: int, kind: str, since: datetime
) -> int:
    """How many of the user's entries of ``kind`` were written at or after ``since``."""
    async with translated("count ledger entries"):
        total = await session.scalar(
            select(func.count(BillingLedgerRow.id)).where(
                BillingLedgerRow.user_id == user_id,
                BillingLedgerRow.kind == kind,
                BillingLedgerRow.created_at >= since,
            )
        )
    return int(total or 0)


async def ledger_page(
    session: AsyncSession, *, user_id: int, after_id: int | None, limit: int
) -> Sequence[BillingLedgerRow]:
    """The user's ledger entries with ids above ``after_id``, oldest first."""
    query = select(BillingLedgerRow).where(BillingLedgerRow.user_id == user_id)
    if after_id is not None:
        query = query.where(BillingLedgerRow.id > after_id)
    async with translated("list ledger entries"):
        result = await session.scalars(query.order_by(BillingLedgerRow.id).limit(limit))
        return result.all()


# ---------------------------------------------------------------- webhooks
async def record_webhook(
    session: AsyncSession,
    *,
    provider: str,
    event_id: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
) -> WebhookEventRow:
    """Remember a processed event; an event id already seen raises ``Conflict``."""
    row = WebhookEventRow(
        provider=provider, event_id=event_id, kind=kind, payload=payload, received_at=now
    )
    async with savepoint(session, "record webhook"):
        session.add(row)
    return row
