"""Bring a user's running bots within their plan, after the plan shrank (expiry,
cancellation, downgrade)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.billing.entitlements import current_plan
from simbiot.config.sections import BillingSettings
from simbiot.storage.repositories import audit, bots

__all__ = ["enforce_plan"]

log = logging.getLogger(__name__)

ACTOR = "system:billing"


async def enforce_plan(
    session: AsyncSession, *, user_id: int, settings: BillingSettings, now: datetime, reason: str
) -> list[int]:
    """Stop the running bots the user's current plan no longer allows and audit each; return
    their ids. Live bots go first when the plan has no live trading; of the rest, the oldest
    ``max_bots`` keep running."""
    grant = await current_plan(session, user_id=user_id, settings=settings, now=now)
    allowed = grant.entitlements
    running = [
        b for b in await bots.list_for_user(session, user_id=user_id) if b.status == "running"
    ]
    keep = [b for b in running if allowed.live_trading or b.mode != "live"][: allowed.max_bots]
    kept = {b.id for b in keep}
    stopped: list[int] = []
    for bot in running:
        if bot.id in kept:
            continue
        await bots.set_status(session, user_id=user_id, bot_id=bot.id, status="stopped", at=now)
        await audit.append(
            session,
            user_id=user_id,
            actor=ACTOR,
            action="bot.stopped",
            subject=f"bot:{bot.id}",
            detail={"reason": reason, "plan": grant.plan, "mode": bot.mode},
            ts=now,
        )
        stopped.append(bot.id)
    if stopped:
        log.info("user %s on plan %s: stopped bots %s (%s)", user_id, grant.plan, stopped, reason)
    return stopped
