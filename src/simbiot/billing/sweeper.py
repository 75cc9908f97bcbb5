"""The subscription sweep: renew what reached its period end, expire what outlived grace.

Each subscription is advanced in its own transaction under its user's lock and re-checked
there, so sweeps running in several processes, or again after a crash, do each step once;
one failing subscription is logged and the rest still advance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from simbiot.billing.provider import PaymentProvider
from simbiot.billing.subscriptions import end_subscription, renews, start_renewal
from simbiot.config.sections import BillingSettings
from simbiot.storage.database import Database
from simbiot.storage.repositories import billing as repo
from simbiot.storage.tables import SubscriptionRow

__all__ = ["SweepReport", "sweep"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepReport:
    """What one sweep did."""

    renewing: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    stopped_bots: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


async def _advance(
    database: Database,
    subscription_id: int,
    *,
    settings: BillingSettings,
    provider: PaymentProvider,
    now: datetime,
    report: SweepReport,
) -> None:
    async with database.transaction() as session:
        peek = await session.get(SubscriptionRow, subscription_id)
        if peek is None:
            return
        await repo.lock_user(session, user_id=peek.user_id)
        sub = await repo.get_subscription_for_update(session, subscription_id=subscription_id)
        if sub is None:
            return
        if sub.status == "active" and sub.period_end <= now:
            if renews(sub, settings):
                await start_renewal(
                    session, subscription=sub, settings=settings, provider=provider, now=now
                )
                report.renewing.append(sub.id)
                return
            status = "expired" if sub.auto_renew else "cancelled"
        elif sub.status == "grace" and sub.grace_until is not None and sub.grace_until <= now:
            status = "expired"
        else:
            return
        stopped = await end_subscription(
            session, subscription=sub, status=status, settings=settings, now=now
        )
        (report.expired if status == "expired" else report.cancelled).append(sub.id)
        report.stopped_bots.extend(stopped)


async def sweep(
    database: Database,
    *,
    settings: BillingSettings,
    provider: PaymentProvider,
    now: datetime,
    batch_size: int = 200,
) -> SweepReport:
    """Advance every subscription due at ``now``: active ones past their period end first
    (renewal, or the end of a cancelled one), then grace ones past their grace end."""
    report = SweepReport()
    for status in ("active", "grace"):
        after = 0
        while True:
            async with database.transaction() as session:
                ids = await repo.due_subscription_ids(
                    session, status=status, due_at=now, after_id=after, limit=batch_size
                )
            for subscription_id in ids:
                try:
                    await _advance(
                        database,
                        subscription_id,
                        settings=settings,
                        provider=provider,
                        now=now,
                        report=report,
                    )
                except Exception:
                    log.exception("billing sweep: subscription %s failed", subscription_id)
                    report.failed.append(subscription_id)
            if len(ids) < batch_size:
                break
            after = ids[-1]
    return report
