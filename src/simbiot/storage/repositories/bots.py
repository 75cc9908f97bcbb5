"""Bots: a user's strategy running on paper or on one of the user's exchange accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import NotFound
from simbiot.storage.clock import utcnow
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.repositories import accounts, strategies
from simbiot.storage.tables import BOT_MODES, BotRow, StrategyRow

__all__ = [
    "create",
    "delete",
    "get",
    "list_for_user",
    "list_running_for_config",
    "set_status",
    "update_params",
]


async def create(
    session: AsyncSession,
    *,
    user_id: int,
    strategy_id: int,
    name: str,
    mode: str = "paper",
    account_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> BotRow:
    """Add a stopped bot; the strategy and account must be visible to the user."""
    if mode not in BOT_MODES:
        raise ValueError(f"mode must be one of {BOT_MODES}, got {mode!r}")
    if mode == "live" and account_id is None:
        raise ValueError("a live bot needs an exchange account")
    await strategies.get(session, user_id=user_id, strategy_id=strategy_id)
    if account_id is not None:
        await accounts.get(session, user_id=user_id, account_id=account_id)
    row = BotRow(
        user_id=user_id,
        strategy_id=strategy_id,
        account_id=account_id,
        name=name,
        mode=mode,
        status="stopped",
        params=params or {},
    )
    async with savepoint(session, "create bot"):
        session.add(row)
    return row


async def get(session: AsyncSession, *, user_id: int, bot_id: int) -> BotRow:
    """Return the user's bot or raise ``NotFound``."""
    async with translated("get bot"):
        row = await session.scalar(
            select(BotRow).where(BotRow.id == bot_id, BotRow.user_id == user_id)
        )
    if row is None:
        raise NotFound(f"bot {bot_id} not found")
    return row


async def list_for_user(session: AsyncSession, *, user_id: int) -> Sequence[BotRow]:
    """Return the user's bots, oldest first."""
    async with translated("list bots"):
        result = await session.scalars(
            select(BotRow).where(BotRow.user_id == user_id).order_by(BotRow.id)
        )
        return result.all()


async def list_running_for_config(
    session: AsyncSession, *, config_hash: str, user_ids: Sequence[int]
) -> Sequence[BotRow]:
    """Return the running bots of ``user_ids`` whose strategy has ``config_hash``.

    A trader replica passes the users of its shard; one signal then reaches every bot of
    that strategy configuration in one query.
    """
    if not user_ids:
        return []
    async with translated("list running bots"):
        result = await session.scalars(
            select(BotRow)
            .join(StrategyRow, StrategyRow.id == BotRow.strategy_id)
            .where(
                StrategyRow.config_hash == config_hash,
                BotRow.status == "running",
                BotRow.user_id.in_(list(user_ids)),
            )
            .order_by(BotRow.id)
        )
        return result.all()


async def set_status(
    session: AsyncSession, *, user_id: int, bot_id: int, status: str, at: datetime | None = None
) -> BotRow:
    """Change the bot's status; ``running`` stamps ``started_at``, ``stopped`` ``stopped_at``."""
    row = await get(session, user_id=user_id, bot_id=bot_id)
    when = at or utcnow()
    async with savepoint(session, "update bot"):
        row.status = status
        if status == "running":
            row.started_at = when
        elif status == "stopped":
            row.stopped_at = when
    return row


async def update_params(
    session: AsyncSession, *, user_id: int, bot_id: int, params: dict[str, Any]
) -> BotRow:
    """Replace the bot's parameters."""
    row = await get(session, user_id=user_id, bot_id=bot_id)
    async with savepoint(session, "update bot"):
        row.params = params
    return row


async def delete(session: AsyncSession, *, user_id: int, bot_id: int) -> None:
    """Delete the user's bot (its orders and positions keep their history)."""
    row = await get(session, user_id=user_id, bot_id=bot_id)
    async with savepoint(session, "delete bot"):
        await session.delete(row)
