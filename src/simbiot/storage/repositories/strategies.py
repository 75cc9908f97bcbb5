"""Strategies: built-ins (no owner) visible to all, a user's own visible only to them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import NotFound
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables import StrategyRow

__all__ = ["config_hash", "create", "delete", "get", "list_visible", "update"]


def config_hash(kind: str, definition: dict[str, Any]) -> str:
    """Return a stable hash of a strategy configuration (key order does not matter)."""
    canonical = json.dumps(
        {"kind": kind, "definition": definition}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def create(
    session: AsyncSession,
    *,
    user_id: int | None,
    name: str,
    kind: str,
    definition: dict[str, Any],
) -> StrategyRow:
    """Add a strategy owned by ``user_id`` (None: a built-in everybody sees)."""
    row = StrategyRow(
        user_id=user_id,
        name=name,
        kind=kind,
        definition=definition,
        config_hash=config_hash(kind, definition),
    )
    async with savepoint(session, "create strategy"):
        session.add(row)
    return row


async def get(session: AsyncSession, *, user_id: int, strategy_id: int) -> StrategyRow:
    """Return a strategy the user may use (their own or a built-in), else ``NotFound``."""
    async with translated("get strategy"):
        row = await session.scalar(
            select(StrategyRow).where(
                StrategyRow.id == strategy_id,
                or_(StrategyRow.user_id == user_id, StrategyRow.user_id.is_(None)),
            )
        )
    if row is None:
        raise NotFound(f"strategy {strategy_id} not found")
    return row


async def _get_own(session: AsyncSession, *, user_id: int, strategy_id: int) -> StrategyRow:
    async with translated("get strategy"):
        row = await session.scalar(
            select(StrategyRow).where(StrategyRow.id == strategy_id, StrategyRow.user_id == user_id)
        )
    if row is None:
        raise NotFound(f"strategy {strategy_id} not found")
    return row


async def list_visible(session: AsyncSession, *, user_id: int) -> Sequence[StrategyRow]:
    """Return the built-ins and the user's own strategies."""
    async with translated("list strategies"):
        result = await session.scalars(
            select(StrategyRow)
            .where(or_(StrategyRow.user_id == user_id, StrategyRow.user_id.is_(None)))
            .order_by(StrategyRow.id)
        )
        return result.all()


async def update(
    session: AsyncSession,
    *,
    user_id: int,
    strategy_id: int,
    definition: dict[str, Any],
    name: str | None = None,
) -> StrategyRow:
    """Replace the definition of the user's own strategy (built-ins are read-only)."""
    row = await _get_own(session, user_id=user_id, strategy_id=strategy_id)
    async with savepoint(session, "update strategy"):
        row.definition = definition
        row.config_hash = config_hash(row.kind, definition)
        if name is not None:
            row.name = name
    return row


async def delete(session: AsyncSession, *, user_id: int, strategy_id: int) -> None:
    """Delete the user's own strategy; one still used by a bot raises ``Conflict``."""
    row = await _get_own(session, user_id=user_id, strategy_id=strategy_id)
    async with savepoint(session, "delete strategy"):
        await session.delete(row)
