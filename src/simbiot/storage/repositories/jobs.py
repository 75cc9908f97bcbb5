"""Background jobs: submitted by a user, leased by workers, finished once.

A worker claims the oldest job that is queued, or running with an expired lease (its worker
died): ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so workers never wait on each other, a
conditional UPDATE on SQLite (one writer at a time anyway). Every write by a worker names
the lease owner, so a worker that lost its lease (taken over, or the job was cancelled)
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables import JobRow

__all__ = [
    "FINISHED",
    "cancel",
    "claim",
    "count_since",
    "create",
    "finish",
    "get",
    "heartbeat",
    "page",
    "release",
]

FINISHED = ("succeeded", "failed", "cancelled")
_CLAIM_TRIES = 5


async def create(
    session: AsyncSession, *, user_id: int, kind: str, params: dict[str, Any], now: datetime
) -> JobRow:
    """Queue a job for ``user_id``."""
    row = JobRow(
        user_id=user_id, kind=kind, status="queued", params=params, progress=0.0, created_at=now
    )
    async with savepoint(session, "queue job"):
        session.add(row)
    return row


async def get(session: AsyncSession, *, user_id: int, job_id: int) -> JobRow:
    """The user's job; ``NotFound`` for a missing id or another user's."""
    async with translated("read job"):
        row = await session.scalar(
            select(JobRow).where(JobRow.id == job_id, JobRow.user_id == user_id)
        )
    if row is None:
        raise NotFound(f"job {job_id}")
    return row


async def page(
    session: AsyncSession,
    *,
    user_id: int,
    limit: int,
    after: int | None = None,
    kinds: Sequence[str] | None = None,
) -> Sequence[JobRow]:
    """Up to ``limit`` of the user's jobs with ids above ``after``, oldest first."""
    q = select(JobRow).where(JobRow.user_id == user_id)
    if after is not None:
        q = q.where(JobRow.id > after)
    if kinds:
        q = q.where(JobRow.kind.in_(list(kinds)))
    async with translated("list jobs"):
        return (await session.scalars(q.order_by(JobRow.id).limit(limit))).all()


async def count_since(
    session: AsyncSession, *, user_id: int, kinds: Sequence[str], since: datetime
) -> int:
    """How many jobs of ``kinds`` the user submitted since ``since``."""
    async with translated("count jobs"):
        n = await session.scalar(
            select(func.count())
            .select_from(JobRow)
            .where(
                JobRow.user_id == user_id,
                JobRow.kind.in_(list(kinds)),
                JobRow.created_at >= since,
            )
        )
    return int(n or 0)


async def cancel(session: AsyncSession, *, user_id: int, job_id: int, now: datetime) -> JobRow:
    """Cancel the user's queued or running job (a running one stops at its next
    heartbeat); ``Conflict`` when it has finished already."""
    row = await get(session, user_id=user_id, job_id=job_id)
    if row.status in FINISHED:
        raise Conflict(f"job {job_id} is {row.status} already")
    async with translated("cancel job"):
        row.status = "cancelled"
        row.finished_at = now
        row.lease_owner = None
        row.lease_until = None
        await session.flush()
    return row


def _claimable(now: datetime) -> Any:
    return or_(
        JobRow.status == "queued",
        and_(JobRow.status == "running", JobRow.lease_until < now),
    )


async def claim(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    lease_s: float,
    max_attempts: int,
    kinds: Sequence[str] | None = None,
) -> JobRow | None:
    """Lease the oldest claimable job to ``owner``; None when there is none.

    A job whose lease ran out after ``max_attempts`` attempts is failed instead of being
    run again: it keeps killing its workers.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    for _ in range(_CLAIM_TRIES):
        q = select(JobRow).where(_claimable(now))
        if kinds:
            q = q.where(JobRow.kind.in_(list(kinds)))
        q = q.order_by(JobRow.id).limit(1)
        if postgres:
            q = q.with_for_update(skip_locked=True)
        async with translated("claim job"):
            row = await session.scalar(q)
            if row is None:
                return None
            if row.status == "running" and row.attempts >= max_attempts:
                await _give_up(session, row, now)
                continue
            taken = await session.execute(
                update(JobRow)
                .where(JobRow.id == row.id, _claimable(now))
                .values(
                    status="running",
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_s),
                    attempts=JobRow.attempts + 1,
                    started_at=func.coalesce(JobRow.started_at, now),
                    error=None,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) != 1:
                continue  # another worker took it between the read and the write
            await session.refresh(row)
        return row
    return None


async def _give_up(session: AsyncSession, row: JobRow, now: datetime) -> None:
    await session.execute(
        update(JobRow)
        .where(JobRow.id == row.id, _claimable(now))
        .values(
            status="failed",
            error=f"the job's worker stopped {row.attempts} times; not retried",
            finished_at=now,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )


async def heartbeat(
    session: AsyncSession,
    *,
    job_id: int,
    owner: str,
    now: datetime,
    lease_s: float,
    progress: float,
) -> bool:
    """Extend ``owner``'s lease and record progress; False when the lease is no longer
    ``owner``'s (taken over or cancelled): the worker must stop."""
    async with translated("job heartbeat"):
        done = await session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.lease_owner == owner, JobRow.status == "running")
            .values(lease_until=now + timedelta(seconds=lease_s), progress=progress)
            .execution_options(synchronize_session=False)
        )
    return getattr(done, "rowcount", 0) == 1


async def finish(
    session: AsyncSession,
    *,
    job_id: int,
    owner: str,
    now: datetime,
    status: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> bool:
    """Record the outcome of ``owner``'s run; False when the lease was lost meanwhile."""
    if status not in FINISHED:
        raise ValueError(f"a finished job is one of {FINISHED}, not {status!r}")
    async with translated("finish job"):
        done = await session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.lease_owner == owner, JobRow.status == "running")
            .values(
                status=status,
                result=result,
                error=error,
                progress=1.0 if status == "succeeded" else JobRow.progress,
                finished_at=now,
                lease_owner=None,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        )
    return getattr(done, "rowcount", 0) == 1


async def release(session: AsyncSession, *, job_id: int, owner: str) -> bool:
    """Put ``owner``'s running job back in the queue (its worker is shutting down); the
    attempt does not count against the job."""
    async with translated("release job"):
        done = await session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.lease_owner == owner, JobRow.status == "running")
            .values(
                status="queued",
                lease_owner=None,
                lease_until=None,
                attempts=func.max(JobRow.attempts - 1, 0)
                if session.get_bind().dialect.name == "sqlite"
                else func.greatest(JobRow.attempts - 1, 0),
            )
            .execution_options(synchronize_session=False)
        )
    return getattr(done, "rowcount", 0) == 1
