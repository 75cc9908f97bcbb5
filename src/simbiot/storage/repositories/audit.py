"""The audit trail: append-only, read back per user."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.storage.clock import utcnow
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables import AuditRow

__all__ = ["append", "list_for_user"]


async def append(
    session: AsyncSession,
    *,
    user_id: int | None,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
    ts: datetime | None = None,
) -> AuditRow:
    """Append one entry (``user_id`` None for system actions)."""
    row = AuditRow(
        user_id=user_id,
        actor=actor,
        action=action,
        subject=subject,
        detail=detail or {},
        ts=ts or utcnow(),
    )
    async with savepoint(session, "append audit entry"):
        session.add(row)
    return row


async def list_for_user(
    session: AsyncSession, *, user_id: int, limit: int = 100
) -> Sequence[AuditRow]:
    """Return the user's most recent entries, newest first."""
    async with translated("list audit entries"):
        result = await session.scalars(
            select(AuditRow)
            .where(AuditRow.user_id == user_id)
            .order_by(AuditRow.ts.desc(), AuditRow.id.desc())
            .limit(limit)
        )
        return result.all()
