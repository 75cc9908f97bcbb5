"""Quarantined market symbols: when, why, and until when (market-wide, not per user)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables import SymbolProblemRow

__all__ = ["clear", "list_active", "record"]


async def record(
    session: AsyncSession,
    *,
    exchange: str,
    symbol: str,
    reason: str,
    failures: int,
    now: datetime,
    ttl: timedelta,
) -> SymbolProblemRow:
    """Record a quarantine of ``symbol`` from ``now`` for ``ttl``."""
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    row = SymbolProblemRow(
        exchange=exchange,
        symbol=symbol,
        reason=reason,
        failures=failures,
        quarantined_at=now,
        expires_at=now + ttl,
    )
    async with savepoint(session, "record symbol problem"):
        session.add(row)
    return row


async def list_active(
    session: AsyncSession, *, now: datetime, exchange: str | None = None
) -> Sequence[SymbolProblemRow]:
    """Return quarantines still in force at ``now`` (optionally on one exchange)."""
    query = select(SymbolProblemRow).where(SymbolProblemRow.expires_at > now)
    if exchange is not None:
        query = query.where(SymbolProblemRow.exchange == exchange)
    async with translated("list symbol problems"):
        result = await session.scalars(
            query.order_by(SymbolProblemRow.exchange, SymbolProblemRow.symbol)
        )
        return result.all()


async def clear(session: AsyncSession, *, exchange: str, symbol: str, now: datetime) -> int:
    """End the symbol's active quarantines at ``now`` (history kept); return how many."""
    async with translated("clear symbol problem"):
        ended = await session.scalars(
            update(SymbolProblemRow)
            .where(
                SymbolProblemRow.exchange == exchange,
                SymbolProblemRow.symbol == symbol,
                SymbolProblemRow.expires_at > now,
            )
            .values(expires_at=now)
            .returning(SymbolProblemRow.id)
            .execution_options(synchronize_session="fetch")
        )
        return len(ended.all())
