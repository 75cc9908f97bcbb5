"""Metered use: a backtest (or optimisation) is covered by the plan's daily allowance,
else paid for with credits, else refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.billing import ledger
from simbiot.billing.entitlements import current_plan
from simbiot.billing.errors import PlanLimit
from simbiot.config.sections import BillingSettings
from simbiot.storage.repositories import billing as repo
from simbiot.storage.tables import BillingLedgerRow

__all__ = ["Usage", "consume_backtest"]


@dataclass(frozen=True, slots=True)
class Usage:
    """How a backtest was paid for; ``repeated`` when the reference had already been."""

    source: Literal["plan", "credits"]
    credits_spent: int
    repeated: bool


def _usage(row: BillingLedgerRow, *, repeated: bool) -> Usage:
    if row.kind == ledger.BACKTEST_PLAN:
        return Usage("plan", 0, repeated)
    return Usage("credits", -row.credits, repeated)


async def consume_backtest(
    session: AsyncSession,
    user_id: int,
    settings: BillingSettings,
    now: datetime,
    reference: str,
) -> Usage:
    """Account for one backtest identified by ``reference`` (a job id ...), once.

    Within the plan's ``backtests_per_day`` (UTC day of ``now``) it is free; beyond, it
    costs ``credits_per_extra_backtest``; without enough credits ``PlanLimit`` is raised
    and nothing is written.
    """
    await repo.lock_user(session, user_id=user_id)
    key = f"backtest:{reference}"
    existing = await repo.find_ledger_entry(session, user_id=user_id, reference=key)
    if existing is not None:
        return _usage(existing, repeated=True)
    grant = await current_plan(session, user_id=user_id, settings=settings, now=now)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    used = await repo.count_ledger_since(
        session, user_id=user_id, kind=ledger.BACKTEST_PLAN, since=day_start
    )
    allowance = grant.entitlements.backtests_per_day
    if used < allowance:
        entry = await ledger.append_once(
            session,
            user_id=user_id,
            kind=ledger.BACKTEST_PLAN,
            reference=key,
            currency=settings.currency,
            now=now,
        )
        return _usage(entry.row, repeated=not entry.created)
    cost = settings.credits_per_extra_backtest
    have = await repo.credit_balance(session, user_id=user_id)
    if have < cost:
        raise PlanLimit(
            f"the {grant.plan} plan allows {allowance} backtests a day; another costs "
            f"{cost} credits and {have} are left",
            limit="backtests_per_day",
        )
    entry = await ledger.append_once(
        session,
        user_id=user_id,
        kind=ledger.CREDITS_SPEND,
        reference=key,
        currency=settings.currency,
        credits=-cost,
        now=now,
    )
    return _usage(entry.row, repeated=not entry.created)
