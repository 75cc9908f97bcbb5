"""The quarantine audit on the database (``symbol_problems`` table, history kept)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.data.quarantine import QuarantineEntry
from simbiot.domain.clock import Clock
from simbiot.storage.repositories import symbol_problems

__all__ = ["DatabaseQuarantineAudit"]


def _ms(value: datetime) -> int:
    # SQLite hands back naive datetimes; they were written as UTC.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class DatabaseQuarantineAudit:
    """``QuarantineAudit`` over the symbol-problems repository, one transaction per call."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def record(
        self,
        exchange: str,
        symbol: str,
        reason: str,
        since_ms: int,
        until_ms: int,
        *,
        failures: int = 0,
    ) -> None:
        """Insert a quarantine row."""
        async with self._sessions() as session, session.begin():
            await symbol_problems.record(
                session,
                exchange=exchange,
                symbol=symbol,
                reason=reason[:500],
                failures=failures,
                now=_dt(since_ms),
                ttl=_dt(until_ms) - _dt(since_ms),
            )

    async def clear(self, exchange: str, symbol: str) -> None:
        """End the symbol's active quarantine rows now."""
        async with self._sessions() as session, session.begin():
            await symbol_problems.clear(
                session, exchange=exchange, symbol=symbol, now=_dt(self._clock.now_ms())
            )

    async def active(self, exchange: str) -> list[QuarantineEntry]:
        """Return the quarantines still in force on ``exchange`` (to restore a cache)."""
        now = self._clock.now()
        async with self._sessions() as session:
            rows = await symbol_problems.list_active(session, now=now, exchange=exchange)
        return [
            QuarantineEntry(
                r.symbol,
                r.reason,
                _ms(r.quarantined_at),
                _ms(r.expires_at),
                r.failures,
            )
            for r in rows
        ]
