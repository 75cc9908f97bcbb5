"""Which plan a user is on right now, and what it allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.config.sections import BillingSettings, EntitlementSettings
from simbiot.storage.tables import SubscriptionRow

__all__ = ["PlanGrant", "current_plan"]


@dataclass(frozen=True, slots=True)
class PlanGrant:
    """The plan in force for a user and its entitlements; ``subscription_id`` is None on
    the default plan."""

    plan: str
    entitlements: EntitlementSettings
    subscription_id: int | None
    valid_until: datetime | None


async def current_plan(
    session: AsyncSession, *, user_id: int, settings: BillingSettings, now: datetime
) -> PlanGrant:
    """The user's plan at ``now``: the live subscription (active in its period, or in grace)
    with the latest end, else the default plan. A subscription to a plan no longer in the
    configuration falls back to the default plan."""
    rows = (
        await session.scalars(
            select(SubscriptionRow)
            .where(
                SubscriptionRow.user_id == user_id,
                SubscriptionRow.status.in_(("active", "grace")),
            )
            .order_by(SubscriptionRow.period_end.desc())
        )
    ).all()
    for row in rows:
        until = row.grace_until if row.status == "grace" else row.period_end
        if row.status == "grace" and until is None:
            continue
        if until is not None and until > now and row.period_start <= now:
            plan = settings.plans.get(row.plan)
            if plan is not None:
                return PlanGrant(row.plan, plan.entitlements, row.id, until)
    default = settings.plans[settings.default_plan]
    return PlanGrant(settings.default_plan, default.entitlements, None, None)
