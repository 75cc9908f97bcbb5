"""Model versions and learning decisions: keyword-only queries of the registry's tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import NotFound
from simbiot.storage.clock import utcnow
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables.models import LearningDecisionRow, ModelVersionRow

__all__ = [
    "add_version",
    "champion",
    "get_version",
    "list_decisions",
    "list_versions",
    "next_version",
    "record_decision",
    "set_champion",
    "set_status",
]


async def next_version(session: AsyncSession, *, name: str) -> int:
    """Return the number the next version of ``name`` gets (1 for a new model)."""
    async with translated("next model version"):
        top = await session.scalar(
            select(func.max(ModelVersionRow.version)).where(ModelVersionRow.name == name)
        )
    return int(top or 0) + 1


async def add_version(session: AsyncSession, *, row: ModelVersionRow) -> ModelVersionRow:
    """Insert a version row; a repeated (name, version) raises ``Conflict``."""
    async with savepoint(session, "add model version"):
        session.add(row)
    return row


async def get_version(session: AsyncSession, *, name: str, version: int) -> ModelVersionRow:
    """Return one version; raise ``NotFound`` when absent."""
    async with translated("get model version"):
        row = await session.scalar(
            select(ModelVersionRow).where(
                ModelVersionRow.name == name, ModelVersionRow.version == version
            )
        )
    if row is None:
        raise NotFound(f"model {name} v{version} not found")
    return row


async def list_versions(
    session: AsyncSession, *, name: str | None = None
) -> Sequence[ModelVersionRow]:
    """Return versions (of ``name``, or of every model), newest first."""
    query = select(ModelVersionRow).order_by(ModelVersionRow.name, ModelVersionRow.version.desc())
    if name is not None:
        query = query.where(ModelVersionRow.name == name)
    async with translated("list model versions"):
        return (await session.scalars(query)).all()


async def champion(session: AsyncSession, *, name: str) -> ModelVersionRow | None:
    """Return the champion of ``name``, or None."""
    async with translated("get champion"):
        return await session.scalar(
            select(ModelVersionRow).where(
                ModelVersionRow.name == name, ModelVersionRow.status == "champion"
            )
        )


async def set_status(session: AsyncSession, *, name: str, version: int, status: str) -> None:
    """Set one version's status; raise ``NotFound`` when absent."""
    row = await get_version(session, name=name, version=version)
    async with savepoint(session, "set model status"):
        row.status = status


async def set_champion(
    session: AsyncSession,
    *,
    name: str,
    version: int,
    previous_status: str,
    at: datetime | None = None,
) -> None:
    """Make ``version`` the champion; the current champion gets ``previous_status``."""
    row = await get_version(session, name=name, version=version)
    async with savepoint(session, "promote model"):
        await session.execute(
            update(ModelVersionRow)
            .where(ModelVersionRow.name == name, ModelVersionRow.status == "champion")
            .values(status=previous_status)
        )
        row.status = "champion"
        row.promoted_at = at or utcnow()


async def record_decision(
    session: AsyncSession,
    *,
    subject: str,
    action: str,
    reason: str,
    evidence: dict[str, Any],
    ts: datetime | None = None,
) -> LearningDecisionRow:
    """Append a decision with its evidence."""
    row = LearningDecisionRow(
        subject=subject, action=action, reason=reason, evidence=evidence, ts=ts or utcnow()
    )
    async with savepoint(session, "record learning decision"):
        session.add(row)
    return row


async def list_decisions(
    session: AsyncSession, *, subject: str, limit: int = 100
) -> Sequence[LearningDecisionRow]:
    """Return the newest decisions about ``subject``, newest first."""
    async with translated("list learning decisions"):
        result = await session.scalars(
            select(LearningDecisionRow)
            .where(LearningDecisionRow.subject == subject)
            .order_by(LearningDecisionRow.ts.desc(), LearningDecisionRow.id.desc())
            .limit(limit)
        )
        return result.all()
