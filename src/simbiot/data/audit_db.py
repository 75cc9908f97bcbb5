"""The quarantine audit on the database (``symbol_problems`` table, history kept)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.domain.clock import Clock
from simbiot.storage.repositories import symbol_problems

__all__ = ["DatabaseQuarantineAudit"]


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
