"""Bots' equity history: one mark per running bot per trading cycle.

Marks are written in batches (one transaction per cycle for every bot) and read back per
bot: a page of the history, the newest mark, and the peak and first-of-day marks the
trader's drawdown and daily-loss limits start from after a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Float, cast, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.storage.errors import translated
from simbiot.storage.tables import EquityMarkRow

__all__ = ["EquityMark", "add_marks", "day_start", "latest", "page", "peak", "recent"]


@dataclass(frozen=True, slots=True)
class EquityMark:
    """One bot's equity at ``ts``: free cash plus open positions at the last price."""

    user_id: int
    bot_id: int
    ts: datetime
    cash: Decimal
    positions_value: Decimal

    @property
    def equity(self) -> Decimal:
        return self.cash + self.positions_value


async def add_marks(session: AsyncSession, marks: Sequence[EquityMark]) -> int:
    """Insert every mark in one statement; return how many were written.

    Each mark carries its own user and bot: the trader records all running bots at once.
    """
    if not marks:
        return 0
    rows = [
        {
            "user_id": m.user_id,
            "bot_id": m.bot_id,
            "ts": m.ts,
            "equity": m.equity,
            "cash": m.cash,
            "positions_value": m.positions_value,
        }
        for m in marks
    ]
    async with translated("record equity marks"):
        await session.execute(insert(EquityMarkRow), rows)
    return len(rows)


async def page(
    session: AsyncSession,
    *,
    user_id: int,
    bot_id: int,
    limit: int,
    after: int | None = None,
    since: datetime | None = None,
) -> Sequence[EquityMarkRow]:
    """Return up to ``limit`` of the bot's marks with ids above ``after``, oldest first."""
    query = select(EquityMarkRow).where(
        EquityMarkRow.user_id == user_id, EquityMarkRow.bot_id == bot_id
    )
    if after is not None:
        query = query.where(EquityMarkRow.id > after)
    if since is not None:
        query = query.where(EquityMarkRow.ts >= since)
    async with translated("list equity marks"):
        result = await session.scalars(query.order_by(EquityMarkRow.id).limit(limit))
        return result.all()


async def latest(session: AsyncSession, *, user_id: int, bot_id: int) -> EquityMarkRow | None:
    """Return the bot's newest mark, or None before its first cycle."""
    query = (
        select(EquityMarkRow)
        .where(EquityMarkRow.user_id == user_id, EquityMarkRow.bot_id == bot_id)
        .order_by(EquityMarkRow.ts.desc(), EquityMarkRow.id.desc())
        .limit(1)
    )
    async with translated("latest equity mark"):
        row: EquityMarkRow | None = await session.scalar(query)
        return row


async def peak(session: AsyncSession, *, user_id: int, bot_id: int) -> Decimal | None:
    """Return the bot's highest recorded equity (exact), or None without marks.

    Ordered through a float cast: SQLite keeps exact decimals as text, which would sort
    as strings; the row found is then read back exactly.
    """
    query = (
        select(EquityMarkRow.equity)
        .where(EquityMarkRow.user_id == user_id, EquityMarkRow.bot_id == bot_id)
        .order_by(cast(EquityMarkRow.equity, Float).desc(), EquityMarkRow.id)
        .limit(1)
    )
    async with translated("peak equity"):
        value: Decimal | None = await session.scalar(query)
        return value


async def day_start(
    session: AsyncSession, *, user_id: int, bot_id: int, since: datetime
) -> Decimal | None:
    """Return the bot's first recorded equity at or after ``since`` (the day's start)."""
    query = (
        select(EquityMarkRow.equity)
        .where(
            EquityMarkRow.user_id == user_id,
            EquityMarkRow.bot_id == bot_id,
            EquityMarkRow.ts >= since,
        )
        .order_by(EquityMarkRow.ts, EquityMarkRow.id)
        .limit(1)
    )
    async with translated("day-start equity"):
        value: Decimal | None = await session.scalar(query)
        return value


async def recent(
    session: AsyncSession, *, user_id: int, bot_id: int, limit: int
) -> list[EquityMarkRow]:
    """Return the bot's newest ``limit`` marks, oldest first (an equity curve)."""
    query = (
        select(EquityMarkRow)
        .where(EquityMarkRow.user_id == user_id, EquityMarkRow.bot_id == bot_id)
        .order_by(EquityMarkRow.ts.desc(), EquityMarkRow.id.desc())
        .limit(limit)
    )
    async with translated("recent equity marks"):
        rows = (await session.scalars(query)).all()
    return list(reversed(rows))
