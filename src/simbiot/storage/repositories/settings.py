"""Per-user settings: one JSON document, written only against the version last read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict
from simbiot.storage.clock import utcnow
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.repositories import users
from simbiot.storage.tables import UserSettingsRow

__all__ = ["VersionedDoc", "get", "put"]


@dataclass(frozen=True, slots=True)
class VersionedDoc:
    """A settings document and its version (0 = never written)."""

    doc: dict[str, Any]
    version: int


async def get(session: AsyncSession, *, user_id: int) -> VersionedDoc:
    """Return the user's settings; an unknown user raises ``NotFound``."""
    await users.get(session, user_id=user_id)
    async with translated("get settings"):
        row = await session.scalar(
            select(UserSettingsRow).where(UserSettingsRow.user_id == user_id)
        )
    if row is None:
        return VersionedDoc(doc={}, version=0)
    return VersionedDoc(doc=dict(row.doc), version=row.version)


async def put(
    session: AsyncSession, *, user_id: int, doc: dict[str, Any], expected_version: int
) -> VersionedDoc:
    """Replace the document if it is still at ``expected_version``; otherwise ``Conflict``."""
    await users.get(session, user_id=user_id)
    if expected_version == 0:
        async with savepoint(session, "create settings"):
            session.add(UserSettingsRow(user_id=user_id, doc=doc, version=1))
        return VersionedDoc(doc=dict(doc), version=1)
    async with translated("update settings"):
        new_version = await session.scalar(
            update(UserSettingsRow)
            .where(
                UserSettingsRow.user_id == user_id,
                UserSettingsRow.version == expected_version,
            )
            .values(doc=doc, version=UserSettingsRow.version + 1, updated_at=utcnow())
            .returning(UserSettingsRow.version)
            .execution_options(synchronize_session="fetch")
        )
    if new_version is None:
        raise Conflict(f"settings of user {user_id} changed since version {expected_version}")
    return VersionedDoc(doc=dict(doc), version=new_version)
