"""An administrator's grant: a plan for some days, without a payment."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.billing.enforcement import enforce_plan
from simbiot.billing.errors import UnknownPlan
from simbiot.config.sections import BillingSettings
from simbiot.storage.repositories import audit
from simbiot.storage.repositories import billing as repo
from simbiot.storage.tables import SubscriptionRow

__all__ = ["grant_plan"]


async def grant_plan(
    session: AsyncSession,
    *,
    user_id: int,
    plan: str,
    days: int,
    settings: BillingSettings,
    now: datetime,
    granted_by: int,
) -> SubscriptionRow:
    """Give the user ``plan`` for ``days`` more days (audited). The same plan as the live
    subscription extends it; another plan replaces it from now and does not renew.
    ``NotFound`` for no such user, ``UnknownPlan`` for a plan not configured or free."""
    if plan not in settings.plans or plan == settings.default_plan:
        raise UnknownPlan(f"cannot grant plan {plan!r}")
    if days < 1:
        raise ValueError("days must be positive")
    await repo.lock_user(session, user_id=user_id)
    length = timedelta(days=days)
    live = await repo.live_subscription(session, user_id=user_id, for_update=True)
    if live is not None and live.plan == plan:
        if live.period_end <= now:
            live.period_start = now
        live.period_end = max(live.period_end, now) + length
        live.status, live.grace_until, live.updated_at = "active", None, now
        await session.flush()
        row = live
    else:
        if live is not None:
            live.status, live.auto_renew, live.grace_until = "cancelled", False, None
            live.period_end, live.updated_at = min(live.period_end, now), now
            await session.flush()
        row = await repo.add_subscription(
            session,
            user_id=user_id,
            plan=plan,
            period_start=now,
            period_end=now + length,
            auto_renew=False,
            now=now,
        )
    await audit.append(
        session,
        user_id=user_id,
        actor=f"user:{granted_by}",
        action="subscription.granted",
        subject=f"subscription:{row.id}",
        detail={"plan": plan, "days": days, "until": row.period_end.isoformat()},
        ts=now,
    )
    await enforce_plan(session, user_id=user_id, settings=settings, now=now, reason="plan_granted")
    return row
