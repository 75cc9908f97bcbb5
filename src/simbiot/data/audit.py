"""The quarantine audit port: a durable trail of symbols put in and out of quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["AuditEntry", "MemoryQuarantineAudit", "QuarantineAudit"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One quarantined symbol as the audit trail holds it."""

    exchange: str
    symbol: str
    reason: str
    since_ms: int
    until_ms: int


@runtime_checkable
class QuarantineAudit(Protocol):
    """Where quarantine decisions are recorded (the ``symbol_problems`` table in production)."""

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
        """Record that ``symbol`` is quarantined until ``until_ms`` for ``reason``."""
        ...

    async def clear(self, exchange: str, symbol: str) -> None:
        """Record that ``symbol`` is healthy again."""
        ...


class MemoryQuarantineAudit:
    """In-memory audit trail: the twin for tests and the embedded mode without a database."""

    def __init__(self) -> None:
        self.active: dict[tuple[str, str], AuditEntry] = {}
        self.history: list[tuple[str, AuditEntry]] = []

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
        """Record a quarantine."""
        entry = AuditEntry(exchange, symbol, reason, since_ms, until_ms)
        self.active[(exchange, symbol)] = entry
        self.history.append(("record", entry))

    async def clear(self, exchange: str, symbol: str) -> None:
        """Record a release."""
        entry = self.active.pop((exchange, symbol), None)
        if entry is not None:
            self.history.append(("clear", entry))
