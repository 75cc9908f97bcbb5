"""Positions: opened, adjusted and closed only against the version last read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.clock import utcnow
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.repositories import bots
from simbiot.storage.tables import PositionRow

__all__ = [
    "UPDATABLE",
    "close",
    "get",
    "last_id",
    "list_closed_after",
    "list_open",
    "open_position",
    "update_levels",
]

UPDATABLE = frozenset(
    {"amount", "stop_price", "take_profit", "trail_pct", "best_price", "realized_pnl"}
)


async def open_position(
    session: AsyncSession,
    *,
    user_id: int,
    bot_id: int | None,
    exchange: str,
    symbol: str,
    side: str,
    amount: Decimal,
    entry_price: Decimal,
    stop_price: Decimal | None = None,
    take_profit: Decimal | None = None,
    trail_pct: Decimal | None = None,
    opened_at: datetime | None = None,
) -> PositionRow:
    """Record a new open position (version 1)."""
    if side not in ("long", "short"):
        raise ValueError(f"side must be long or short, got {side!r}")
    if bot_id is not None:  # another user's bot must not receive this position
        await bots.get(session, user_id=user_id, bot_id=bot_id)
    row = PositionRow(
        user_id=user_id,
        bot_id=bot_id,
        exchange=exchange,
        symbol=symbol,
        side=side,
        amount=amount,
        entry_price=entry_price,
        stop_price=stop_price,
        take_profit=take_profit,
        trail_pct=trail_pct,
        best_price=entry_price if trail_pct is not None else None,
        realized_pnl=Decimal(0),
        status="open",
        opened_at=opened_at or utcnow(),
        version=1,
    )
    async with savepoint(session, "open position"):
        session.add(row)
    return row


async def get(session: AsyncSession, *, user_id: int, position_id: int) -> PositionRow:
    """Return the user's position or raise ``NotFound``."""
    async with translated("get position"):
        row = await session.scalar(
            select(PositionRow).where(PositionRow.id == position_id, PositionRow.user_id == user_id)
        )
    if row is None:
        raise NotFound(f"position {position_id} not found")
    return row


async def list_open(
    session: AsyncSession, *, user_id: int, bot_id: int | None = None
) -> Sequence[PositionRow]:
    """Return the user's open positions (optionally one bot's), oldest first."""
    query = select(PositionRow).where(PositionRow.user_id == user_id, PositionRow.status == "open")
    if bot_id is not None:
        query = query.where(PositionRow.bot_id == bot_id)
    async with translated("list positions"):
        result = await session.scalars(query.order_by(PositionRow.id))
        return result.all()


async def last_id(session: AsyncSession) -> int:
    """Return the id of the newest position (0 when there is none)."""
    async with translated("read the newest position id"):
        value = await session.scalar(select(func.max(PositionRow.id)))
        return int(value or 0)


async def list_closed_after(
    session: AsyncSession, *, after_id: int, limit: int = 10_000
) -> Sequence[PositionRow]:
    """Return closed bot positions with an id above ``after_id``, oldest first."""
    query = (
        select(PositionRow)
        .where(
            PositionRow.id > after_id,
            PositionRow.status == "closed",
            PositionRow.bot_id.is_not(None),
        )
        .order_by(PositionRow.id)
        .limit(limit)
    )
    async with translated("list closed positions"):
        result = await session.scalars(query)
        return result.all()


async def _versioned_update(
    session: AsyncSession,
    *,
    user_id: int,
    position_id: int,
    expected_version: int,
    values: Mapping[str, object],
) -> PositionRow:
    async with translated("update position"):
        row = await session.scalar(
            update(PositionRow)
            .where(
                PositionRow.id == position_id,
                PositionRow.user_id == user_id,
                PositionRow.version == expected_version,
                PositionRow.status == "open",
            )
            .values(**values, version=PositionRow.version + 1)
            .returning(PositionRow)
            .execution_options(populate_existing=True, synchronize_session="fetch")
        )
    if row is not None:
        return row
    current = await get(session, user_id=user_id, position_id=position_id)
    if current.status != "open":
        raise Conflict(f"position {position_id} is closed")
    raise Conflict(
        f"position {position_id} is at version {current.version}, not {expected_version}"
    )


async def update_levels(
    session: AsyncSession,
    *,
    user_id: int,
    position_id: int,
    expected_version: int,
    changes: Mapping[str, Decimal | None],
) -> PositionRow:
    """Change exit levels, amount or realised PnL of an open position; stale → ``Conflict``."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {', '.join(sorted(unknown))}")
    return await _versioned_update(
        session,
        user_id=user_id,
        position_id=position_id,
        expected_version=expected_version,
        values=dict(changes),
    )


async def close(
    session: AsyncSession,
    *,
    user_id: int,
    position_id: int,
    expected_version: int,
    realized_pnl: Decimal,
    closed_at: datetime | None = None,
) -> PositionRow:
    """Close an open position with its final realised PnL; stale → ``Conflict``."""
    return await _versioned_update(
        session,
        user_id=user_id,
        position_id=position_id,
        expected_version=expected_version,
        values={
            "status": "closed",
            "realized_pnl": realized_pnl,
            "closed_at": closed_at or utcnow(),
        },
    )
