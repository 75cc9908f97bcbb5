"""A bot's trading history read page by page: orders, fills, positions (keyset by id).

Every query is scoped by the user and the bot, so another user's bot id reads nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import NotFound
from simbiot.storage.errors import translated
from simbiot.storage.tables import BotRow, FillRow, OrderRow, PositionRow, StrategyRow

__all__ = [
    "FillTotals",
    "all_fills",
    "bot_with_strategy",
    "bots_page",
    "closed_positions",
    "fill_totals",
    "fills_page",
    "open_positions",
    "open_positions_of_bots",
    "orders_page",
    "positions_page",
]


async def orders_page(
    session: AsyncSession, *, user_id: int, bot_id: int, limit: int, after: int | None = None
) -> Sequence[OrderRow]:
    """Return up to ``limit`` of the bot's orders with ids above ``after``, in id order."""
    query = select(OrderRow).where(OrderRow.user_id == user_id, OrderRow.bot_id == bot_id)
    if after is not None:
        query = query.where(OrderRow.id > after)
    async with translated("list bot orders"):
        result = await session.scalars(query.order_by(OrderRow.id).limit(limit))
        return result.all()


async def fills_page(
    session: AsyncSession, *, user_id: int, bot_id: int, limit: int, after: int | None = None
) -> Sequence[FillRow]:
    """Return up to ``limit`` fills of the bot's orders with ids above ``after``."""
    query = (
        select(FillRow)
        .join(OrderRow, OrderRow.id == FillRow.order_id)
        .where(FillRow.user_id == user_id, OrderRow.user_id == user_id, OrderRow.bot_id == bot_id)
    )
    if after is not None:
        query = query.where(FillRow.id > after)
    async with translated("list bot fills"):
        result = await session.scalars(query.order_by(FillRow.id).limit(limit))
        return result.all()


async def positions_page(
    session: AsyncSession,
    *,
    user_id: int,
    bot_id: int,
    limit: int,
    after: int | None = None,
    status: str | None = None,
) -> Sequence[PositionRow]:
    """Return up to ``limit`` of the bot's positions (optionally only open or closed)."""
    query = select(PositionRow).where(PositionRow.user_id == user_id, PositionRow.bot_id == bot_id)
    if status is not None:
        query = query.where(PositionRow.status == status)
    if after is not None:
        query = query.where(PositionRow.id > after)
    async with translated("list bot positions"):
        result = await session.scalars(query.order_by(PositionRow.id).limit(limit))
        return result.all()


async def open_positions(
    session: AsyncSession, *, user_id: int, bot_id: int
) -> Sequence[PositionRow]:
    """Return the bot's open positions."""
    query = select(PositionRow).where(
        PositionRow.user_id == user_id,
        PositionRow.bot_id == bot_id,
        PositionRow.status == "open",
    )
    async with translated("list open bot positions"):
        result = await session.scalars(query.order_by(PositionRow.id))
        return result.all()


async def closed_positions(
    session: AsyncSession, *, user_id: int, bot_id: int, limit: int
) -> Sequence[PositionRow]:
    """Return the bot's newest ``limit`` closed positions, oldest first."""
    query = (
        select(PositionRow)
        .where(
            PositionRow.user_id == user_id,
            PositionRow.bot_id == bot_id,
            PositionRow.status == "closed",
        )
        .order_by(PositionRow.id.desc())
        .limit(limit)
    )
    async with translated("list closed bot positions"):
        result = await session.scalars(query)
        return list(reversed(result.all()))


@dataclass(frozen=True, slots=True)
class FillTotals:
    """The fees a bot paid and how many fills it had."""

    fees: Decimal
    fills: int


async def fill_totals(session: AsyncSession, *, user_id: int, bot_id: int) -> FillTotals:
    """Return the fees and fill count of the bot's orders (fees summed exactly in Python)."""
    query = (
        select(FillRow.fee)
        .join(OrderRow, OrderRow.id == FillRow.order_id)
        .where(FillRow.user_id == user_id, OrderRow.user_id == user_id, OrderRow.bot_id == bot_id)
    )
    async with translated("bot fill totals"):
        fees = (await session.scalars(query)).all()
    return FillTotals(sum(fees, Decimal(0)), len(fees))


async def open_positions_of_bots(
    session: AsyncSession, *, owners: Mapping[int, int]
) -> list[PositionRow]:
    """Return the open positions of many bots at once; ``owners`` maps bot id → user id,
    and a row counts only when it belongs to its bot's owner."""
    if not owners:
        return []
    query = select(PositionRow).where(
        PositionRow.bot_id.in_(list(owners)),
        PositionRow.user_id.in_(set(owners.values())),
        PositionRow.status == "open",
    )
    async with translated("list open positions of bots"):
        rows = (await session.scalars(query.order_by(PositionRow.id))).all()
    return [r for r in rows if r.bot_id is not None and owners.get(r.bot_id) == r.user_id]


async def all_fills(session: AsyncSession, *, user_id: int, bot_id: int) -> Sequence[FillRow]:
    """Return every fill of the bot's orders in booking order (its whole trade record)."""
    query = (
        select(FillRow)
        .join(OrderRow, OrderRow.id == FillRow.order_id)
        .where(FillRow.user_id == user_id, OrderRow.user_id == user_id, OrderRow.bot_id == bot_id)
        .order_by(FillRow.id)
    )
    async with translated("list all bot fills"):
        result = await session.scalars(query)
        return result.all()


async def bots_page(
    session: AsyncSession, *, user_id: int, limit: int, after: int | None = None
) -> list[tuple[BotRow, StrategyRow]]:
    """Return up to ``limit`` of the user's bots with ids above ``after``, with their
    strategies, in id order."""
    query = (
        select(BotRow, StrategyRow)
        .join(StrategyRow, StrategyRow.id == BotRow.strategy_id)
        .where(BotRow.user_id == user_id)
    )
    if after is not None:
        query = query.where(BotRow.id > after)
    async with translated("list bots"):
        rows = (await session.execute(query.order_by(BotRow.id).limit(limit))).all()
    return [(bot, strategy) for bot, strategy in rows]


async def bot_with_strategy(
    session: AsyncSession, *, user_id: int, bot_id: int
) -> tuple[BotRow, StrategyRow]:
    """Return the user's bot and its strategy, or raise ``NotFound``."""
    query = (
        select(BotRow, StrategyRow)
        .join(StrategyRow, StrategyRow.id == BotRow.strategy_id)
        .where(BotRow.user_id == user_id, BotRow.id == bot_id)
    )
    async with translated("get bot"):
        row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"bot {bot_id} not found")
    return row[0], row[1]
