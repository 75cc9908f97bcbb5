"""Applying a verified provider event to the payment it names, at most once."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.billing import ledger
from simbiot.billing.provider import WebhookEvent
from simbiot.billing.subscriptions import apply_paid_period
from simbiot.config.sections import BillingSettings
from simbiot.storage.repositories import billing as repo

__all__ = ["Outcome", "settle"]

log = logging.getLogger(__name__)

Outcome = Literal["succeeded", "failed", "unknown_payment", "not_pending", "mismatch"]


async def settle(
    session: AsyncSession,
    *,
    provider: str,
    event: WebhookEvent,
    settings: BillingSettings,
    now: datetime,
) -> Outcome:
    """Mark the payment paid (ledger entry, credits or subscription period) or failed.

    Only a pending payment changes; an event for an unknown, settled or voided payment, or
    one whose amount or currency differs from what was asked, changes nothing.
    """
    found = await repo.find_payment_by_ref(
        session, provider=provider, provider_ref=event.provider_ref
    )
    if found is None:
        log.warning("%s event %s names no known payment", provider, event.event_id)
        return "unknown_payment"
    await repo.lock_user(session, user_id=found.user_id)
    payment = await repo.find_payment_by_ref(
        session, provider=provider, provider_ref=event.provider_ref, for_update=True
    )
    assert payment is not None  # payments are never deleted while their user exists
    if payment.status != "pending":
        return "not_pending"
    if not event.succeeded:
        payment.status, payment.settled_at = "failed", now
        await session.flush()
        return "failed"
    if event.amount != payment.amount or event.currency != payment.currency:
        log.warning(
            "%s event %s: %s %s does not match payment %s (%s %s)",
            provider,
            event.event_id,
            event.amount,
            event.currency,
            payment.id,
            payment.amount,
            payment.currency,
        )
        return "mismatch"
    payment.status, payment.settled_at = "succeeded", now
    await session.flush()
    credits = payment.kind == "credits"
    await ledger.append_once(
        session,
        user_id=payment.user_id,
        kind=ledger.CREDITS_PURCHASE if credits else ledger.SUBSCRIPTION_PAYMENT,
        reference=f"payment:{payment.id}",
        currency=payment.currency,
        amount=payment.amount,
        credits=payment.credits if credits else 0,
        now=now,
    )
    if not credits:
        await apply_paid_period(session, payment=payment, settings=settings, now=now)
    return "succeeded"
