"""The subscription lifecycle.

subscribe → pending payment → (paid webhook) active for ``period_days`` → at the period
end, if ``auto_renew``, a renewal payment and ``grace`` for ``grace_days`` → paid: active
for the next period (from the old end); unpaid: ``expired``. Cancelling stops renewal and
keeps the plan to the period end (then ``cancelled``); in grace it ends at once. Paying for
another plan switches at once. Whenever a subscription ends, bots beyond the plan the user
falls back to are stopped.

Every write path locks the user row first, so a user's billing changes never interleave.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.billing.checkout import open_checkout
from simbiot.billing.enforcement import enforce_plan
from simbiot.billing.errors import UnknownPlan
from simbiot.billing.provider import Checkout, PaymentProvider
from simbiot.config.sections import BillingSettings, PlanSettings
from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.repositories import billing as repo
from simbiot.storage.tables import PaymentRow, SubscriptionRow

__all__ = [
    "apply_paid_period",
    "cancel",
    "end_subscription",
    "purchasable_plan",
    "renews",
    "start_renewal",
    "subscribe",
]

log = logging.getLogger(__name__)


def purchasable_plan(settings: BillingSettings, plan: str) -> PlanSettings:
    """The configured plan ``plan``, which must cost something; else ``UnknownPlan``."""
    found = settings.plans.get(plan)
    if found is None:
        raise UnknownPlan(f"no plan named {plan!r}")
    if found.price <= 0:
        raise UnknownPlan(f"plan {plan!r} is free and needs no subscription")
    return found


async def subscribe(
    session: AsyncSession,
    *,
    user_id: int,
    plan: str,
    settings: BillingSettings,
    provider: PaymentProvider,
    now: datetime,
) -> tuple[PaymentRow, Checkout]:
    """Open a checkout for one period of ``plan``; earlier unpaid subscription checkouts
    are void. ``Conflict`` when the user already has ``plan`` active and renewing."""
    chosen = purchasable_plan(settings, plan)
    await repo.lock_user(session, user_id=user_id)
    live = await repo.live_subscription(session, user_id=user_id, for_update=True)
    if live is not None and live.plan == plan and live.status == "active" and live.auto_renew:
        raise Conflict(f"already subscribed to {plan}")
    await repo.fail_pending_payments(session, user_id=user_id, kind="subscription", now=now)
    return await open_checkout(
        session,
        user_id=user_id,
        kind="subscription",
        plan=plan,
        credits=0,
        amount=chosen.price,
        currency=settings.currency,
        description=f"{plan}: {chosen.period_days} days",
        provider=provider,
        now=now,
    )


async def apply_paid_period(
    session: AsyncSession, *, payment: PaymentRow, settings: BillingSettings, now: datetime
) -> SubscriptionRow | None:
    """Give the user the period ``payment`` paid for (the caller holds the user lock).

    Same plan as the live subscription: one more period after its end (a renewal paid in
    grace starts at the old end). Another plan: the old subscription ends now and the new
    one starts now. None when the plan is no longer configured (the money stays in the
    ledger for an administrator to refund or grant).
    """
    plan = settings.plans.get(payment.plan or "")
    if plan is None:
        log.warning("payment %s paid for unknown plan %r", payment.id, payment.plan)
        return None
    length = timedelta(days=plan.period_days)
    live = await repo.live_subscription(session, user_id=payment.user_id, for_update=True)
    if live is not None and live.plan == payment.plan:
        start = live.period_end if live.period_end <= now else live.period_start
        end = live.period_end + length
        if end <= now:  # paid so late that the extra period is already over
            start, end = now, now + length
        live.period_start, live.period_end = start, end
        live.status, live.grace_until, live.auto_renew, live.updated_at = "active", None, True, now
        await session.flush()
        return live
    if live is not None:
        live.status, live.auto_renew, live.grace_until = "cancelled", False, None
        live.period_end, live.updated_at = min(live.period_end, now), now
        await session.flush()
    row = await repo.add_subscription(
        session,
        user_id=payment.user_id,
        plan=payment.plan or "",
        period_start=now,
        period_end=now + length,
        auto_renew=True,
        now=now,
    )
    if live is not None:
        await enforce_plan(
            session, user_id=payment.user_id, settings=settings, now=now, reason="plan_changed"
        )
    return row


async def end_subscription(
    session: AsyncSession,
    *,
    subscription: SubscriptionRow,
    status: str,
    settings: BillingSettings,
    now: datetime,
) -> list[int]:
    """End ``subscription`` as ``expired`` or ``cancelled``: unpaid checkouts void, bots
    beyond the plan the user falls back to stopped (their ids returned)."""
    subscription.status, subscription.auto_renew, subscription.updated_at = status, False, now
    await session.flush()
    await repo.fail_pending_payments(
        session, user_id=subscription.user_id, kind="subscription", now=now
    )
    return await enforce_plan(
        session, user_id=subscription.user_id, settings=settings, now=now, reason=status
    )


def renews(subscription: SubscriptionRow, settings: BillingSettings) -> bool:
    """Whether the subscription renews at its period end: it was not cancelled and its
    plan is still configured and paid."""
    plan = settings.plans.get(subscription.plan)
    return subscription.auto_renew and plan is not None and plan.price > 0


async def start_renewal(
    session: AsyncSession,
    *,
    subscription: SubscriptionRow,
    settings: BillingSettings,
    provider: PaymentProvider,
    now: datetime,
) -> PaymentRow:
    """At the period end of a subscription that :func:`renews`: a renewal checkout, and
    grace until ``grace_days`` after the period end while it is unpaid."""
    plan = settings.plans[subscription.plan]
    await repo.fail_pending_payments(
        session, user_id=subscription.user_id, kind="subscription", now=now
    )
    payment, _ = await open_checkout(
        session,
        user_id=subscription.user_id,
        kind="subscription",
        plan=subscription.plan,
        credits=0,
        amount=plan.price,
        currency=settings.currency,
        description=f"{subscription.plan} renewal: {plan.period_days} days",
        provider=provider,
        now=now,
    )
    subscription.status = "grace"
    subscription.grace_until = subscription.period_end + timedelta(days=settings.grace_days)
    subscription.updated_at = now
    await session.flush()
    return payment


async def cancel(
    session: AsyncSession, *, user_id: int, settings: BillingSettings, now: datetime
) -> SubscriptionRow:
    """Stop renewing: an active subscription keeps its plan to the period end; one in
    grace ends now. ``NotFound`` when the user has no live subscription."""
    await repo.lock_user(session, user_id=user_id)
    live = await repo.live_subscription(session, user_id=user_id, for_update=True)
    if live is None:
        raise NotFound("no subscription to cancel")
    if live.status == "grace":
        await end_subscription(
            session, subscription=live, status="cancelled", settings=settings, now=now
        )
        return live
    live.auto_renew, live.updated_at = False, now
    await session.flush()
    return live
