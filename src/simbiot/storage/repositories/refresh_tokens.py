"""Refresh tokens: stored as SHA-256 hashes, grouped in families, used at most once.

Lookup by hash is the one query not scoped by a user: the token *is* the credential, and
its row tells whose it is. Every write is scoped by the owning user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import NotFound
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables import RefreshTokenRow

__all__ = ["add", "claim", "delete_expired", "get_by_hash", "revoke_family", "revoke_user"]


async def add(
    session: AsyncSession,
    *,
    user_id: int,
    family_id: str,
    token_hash: str,
    issued_at: datetime,
    expires_at: datetime,
) -> RefreshTokenRow:
    """Store a newly issued token of ``family_id``."""
    row = RefreshTokenRow(
        user_id=user_id,
        family_id=family_id,
        token_hash=token_hash,
        issued_at=issued_at,
        expires_at=expires_at,
    )
    async with savepoint(session, "store refresh token"):
        session.add(row)
    return row


async def get_by_hash(session: AsyncSession, *, token_hash: str) -> RefreshTokenRow:
    """Return the token stored under ``token_hash`` or raise ``NotFound``."""
    async with translated("get refresh token"):
        row = await session.scalar(
            select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
        )
    if row is None:
        raise NotFound("no such refresh token")
    return row


async def _rowcount(session: AsyncSession, what: str, statement: Any) -> int:
    async with translated(what):
        result = await session.execute(statement.execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount


async def claim(session: AsyncSession, *, user_id: int, token_id: int, now: datetime) -> bool:
    """Mark a live token used; return False when it was already used, revoked or expired.

    One conditional UPDATE, so of two requests racing with the same token exactly one wins.
    """
    statement = (
        update(RefreshTokenRow)
        .where(
            RefreshTokenRow.id == token_id,
            RefreshTokenRow.user_id == user_id,
            RefreshTokenRow.used_at.is_(None),
            RefreshTokenRow.revoked_at.is_(None),
            RefreshTokenRow.expires_at > now,
        )
        .values(used_at=now)
    )
    return await _rowcount(session, "use refresh token", statement) == 1


async def revoke_family(
    session: AsyncSession, *, user_id: int, family_id: str, now: datetime, reason: str
) -> int:
    """Revoke every not yet revoked token of one family; return how many."""
    statement = (
        update(RefreshTokenRow)
        .where(
            RefreshTokenRow.user_id == user_id,
            RefreshTokenRow.family_id == family_id,
            RefreshTokenRow.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_reason=reason)
    )
    return await _rowcount(session, "revoke refresh token family", statement)


async def revoke_user(session: AsyncSession, *, user_id: int, now: datetime, reason: str) -> int:
    """Revoke every unused, unrevoked token of the user (all their families); return how
    many. Used tokens need no mark: presenting one again already counts as reuse."""
    statement = (
        update(RefreshTokenRow)
        .where(
            RefreshTokenRow.user_id == user_id,
            RefreshTokenRow.used_at.is_(None),
            RefreshTokenRow.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_reason=reason)
    )
    return await _rowcount(session, "revoke refresh tokens", statement)


async def delete_expired(session: AsyncSession, *, user_id: int, before: datetime) -> int:
    """Delete the user's tokens that expired before ``before``; return how many. An expired
    token is refused whatever its row says, so its row only takes space."""
    statement = delete(RefreshTokenRow).where(
        RefreshTokenRow.user_id == user_id, RefreshTokenRow.expires_at < before
    )
    return await _rowcount(session, "delete expired refresh tokens", statement)
