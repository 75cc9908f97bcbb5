"""Idempotency keys: the first answer to an order-like request, kept per (user, key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables import IdempotencyRow

__all__ = ["claim", "complete", "get", "purge", "release"]


async def claim(
    session: AsyncSession, *, user_id: int, key: str, request_hash: str, now: datetime
) -> IdempotencyRow | None:
    """Record ``key`` as in flight for ``user_id``; None when the user already holds it."""
    row = IdempotencyRow(
        user_id=user_id, key=key, request_hash=request_hash, status_code=None, created_at=now
    )
    try:
        async with savepoint(session, "claim idempotency key"):
            session.add(row)
    except Conflict:
        return None
    return row


async def get(session: AsyncSession, *, user_id: int, key: str) -> IdempotencyRow:
    """The user's record of ``key``; ``NotFound`` when there is none."""
    async with translated("read idempotency key"):
        row = await session.scalar(
            select(IdempotencyRow).where(
                IdempotencyRow.user_id == user_id, IdempotencyRow.key == key
            )
        )
    if row is None:
        raise NotFound(f"idempotency key {key!r}")
    return row


async def complete(
    session: AsyncSession, *, user_id: int, key: str, status_code: int, response: dict[str, Any]
) -> None:
    """Store the answer given to the request that claimed ``key``."""
    async with translated("store idempotent answer"):
        await session.execute(
            update(IdempotencyRow)
            .where(IdempotencyRow.user_id == user_id, IdempotencyRow.key == key)
            .values(status_code=status_code, response=response)
        )


async def release(session: AsyncSession, *, user_id: int, key: str) -> None:
    """Forget ``key`` (its request failed without an answer worth replaying)."""
    async with translated("release idempotency key"):
        await session.execute(
            delete(IdempotencyRow).where(
                IdempotencyRow.user_id == user_id, IdempotencyRow.key == key
            )
        )


async def purge(session: AsyncSession, *, before: datetime, limit: int = 1_000) -> int:
    """Delete up to ``limit`` keys created before ``before`` (every user's; a maintenance
    sweep, never a request); return how many went."""
    async with translated("purge idempotency keys"):
        ids = (
            await session.scalars(
                select(IdempotencyRow.id)
                .where(IdempotencyRow.created_at < before)
                .order_by(IdempotencyRow.created_at)
                .limit(limit)
            )
        ).all()
        if not ids:
            return 0
        await session.execute(delete(IdempotencyRow).where(IdempotencyRow.id.in_(ids)))
    return len(ids)
