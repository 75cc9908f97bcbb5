"""Signals: batched idempotent inserts, reads by configuration and by symbol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.signals.model import Side, Signal
from simbiot.storage.database import Database
from simbiot.storage.errors import translated
from simbiot.storage.tables import SignalRow

__all__ = [
    "DatabaseSignalRecorder",
    "insert_many",
    "list_for_config",
    "list_for_symbol",
    "to_signal",
]

_CONFLICT = ["config_id", "symbol", "side", "bar_ts"]
# Rows per INSERT: well under SQLite's bound-parameter limit (10 columns each).
_CHUNK = 500


def _values(s: Signal) -> dict[str, Any]:
    return {
        "config_id": s.config_id,
        "symbol": s.symbol,
        "side": s.side.value,
        "strength": s.strength,
        "reason": s.reason,
        "expected_value": s.expected_value,
        "xray_score": s.xray_score,
        "bar_ts": s.ts,
    }


def to_signal(row: SignalRow) -> Signal:
    """Return the domain signal of a row."""
    return Signal(
        row.config_id, row.symbol, Side(row.side), row.strength, row.reason, row.bar_ts,
        row.expected_value, row.xray_score,
    )  # fmt: skip


async def insert_many(session: AsyncSession, *, signals: Sequence[Signal]) -> int:
    """Insert ``signals``, skipping any already stored; return how many rows were new."""
    if not signals:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no idempotent insert for dialect {dialect!r}")
    new = 0
    async with translated("insert signals"):
        for i in range(0, len(signals), _CHUNK):
            rows = [_values(s) for s in signals[i : i + _CHUNK]]
            stmt = (
                postgresql.insert(SignalRow)
                .values(rows)
                .on_conflict_do_nothing(index_elements=_CONFLICT)
                .returning(SignalRow.id)
                if dialect == "postgresql"
                else sqlite.insert(SignalRow)
                .values(rows)
                .on_conflict_do_nothing(index_elements=_CONFLICT)
                .returning(SignalRow.id)
            )
            new += len((await session.execute(stmt)).all())
    return new


async def list_for_config(
    session: AsyncSession, *, config_id: str, since_ts: int | None = None, limit: int = 500
) -> list[Signal]:
    """Return a configuration's signals, newest bar first."""
    query = select(SignalRow).where(SignalRow.config_id == config_id)
    if since_ts is not None:
        query = query.where(SignalRow.bar_ts >= since_ts)
    query = query.order_by(SignalRow.bar_ts.desc(), SignalRow.symbol).limit(limit)
    async with translated("list signals"):
        return [to_signal(r) for r in (await session.scalars(query)).all()]


async def list_for_symbol(session: AsyncSession, *, symbol: str, limit: int = 500) -> list[Signal]:
    """Return every configuration's signals on ``symbol``, newest bar first."""
    query = (
        select(SignalRow)
        .where(SignalRow.symbol == symbol)
        .order_by(SignalRow.bar_ts.desc(), SignalRow.config_id)
        .limit(limit)
    )
    async with translated("list signals"):
        return [to_signal(r) for r in (await session.scalars(query)).all()]


class DatabaseSignalRecorder:
    """The signal service's recorder on a :class:`Database` (one transaction per batch)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(self, signals: Sequence[Signal]) -> int:
        """Store ``signals``; return how many rows were new."""
        async with self._db.transaction() as session:
            return await insert_many(session, signals=signals)
