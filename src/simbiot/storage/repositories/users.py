"""Users: create, look up by id or e-mail, change state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import NotFound
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables import ROLES, UserRow

__all__ = [
    "create",
    "delete",
    "get",
    "get_by_email",
    "normalise_email",
    "page",
    "set_active",
    "set_password_hash",
    "set_role",
    "set_tokens_valid_after",
]


def normalise_email(email: str) -> str:
    """Return the stored form of an e-mail address (trimmed, lower case)."""
    return email.strip().lower()


async def create(
    session: AsyncSession,
    *,
    email: str,
    password_hash: str,
    role: str = "user",
    is_active: bool = True,
) -> UserRow:
    """Add a user; an e-mail already taken raises ``Conflict``."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    row = UserRow(
        email=normalise_email(email), password_hash=password_hash, role=role, is_active=is_active
    )
    async with savepoint(session, "create user"):
        session.add(row)
    return row


async def get(session: AsyncSession, *, user_id: int) -> UserRow:
    """Return the user with ``user_id`` or raise ``NotFound``."""
    async with translated("get user"):
        row = await session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"user {user_id} not found")
    return row


async def get_by_email(session: AsyncSession, *, email: str) -> UserRow:
    """Return the user with ``email`` (case-insensitive) or raise ``NotFound``."""
    async with translated("get user by email"):
        row = await session.scalar(select(UserRow).where(UserRow.email == normalise_email(email)))
    if row is None:
        raise NotFound("no user with that e-mail")
    return row


async def set_active(session: AsyncSession, *, user_id: int, is_active: bool) -> UserRow:
    """Enable or disable a user's login."""
    row = await get(session, user_id=user_id)
    async with savepoint(session, "update user"):
        row.is_active = is_active
    return row


async def set_role(session: AsyncSession, *, user_id: int, role: str) -> UserRow:
    """Make the user an ordinary user or an administrator."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    row = await get(session, user_id=user_id)
    async with savepoint(session, "update user"):
        row.role = role
    return row


async def set_password_hash(session: AsyncSession, *, user_id: int, password_hash: str) -> None:
    """Replace a user's password hash (after a change or a re-hash at new cost)."""
    row = await get(session, user_id=user_id)
    async with savepoint(session, "update user"):
        row.password_hash = password_hash


async def page(
    session: AsyncSession, *, after_id: int = 0, limit: int = 500, active_only: bool = True
) -> Sequence[UserRow]:
    """Return up to ``limit`` users with ids above ``after_id``, in id order.

    Keyset pagination: pass the last id of one page to get the next; cost stays flat however
    many users there are (administration, per-user jobs, sharding users across replicas).
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    query = select(UserRow).where(UserRow.id > after_id)
    if active_only:
        query = query.where(UserRow.is_active.is_(True))
    async with translated("list users"):
        result = await session.scalars(query.order_by(UserRow.id).limit(limit))
        return result.all()


async def delete(session: AsyncSession, *, user_id: int) -> None:
    """Delete the user and everything they own; the audit trail keeps its entries unowned."""
    row = await get(session, user_id=user_id)
    async with savepoint(session, "delete user"):
        await session.delete(row)


async def set_tokens_valid_after(session: AsyncSession, *, user_id: int, at: datetime) -> None:
    """Refuse the user's access tokens issued before ``at`` (raise ``NotFound`` if no user)."""
    row = await get(session, user_id=user_id)
    row.tokens_valid_after = at
    async with translated("revoke access tokens"):
        await session.flush()
