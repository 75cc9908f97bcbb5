"""Append-only audit trail, and the record of quarantined (problem) market symbols."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from simbiot.storage.base import Base
from simbiot.storage.clock import utcnow
from simbiot.storage.types import Id

__all__ = ["AuditRow", "SymbolProblemRow"]


class AuditRow(Base):
    """Who did what to which subject; ``user_id`` is NULL for system actions."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_user_id_ts", "user_id", "ts"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    # SET NULL keeps the trail after an account is deleted.
    # Indexed by the composite index that starts with user_id.
    user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(256))
    detail: Mapped[dict[str, Any]]
    ts: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SymbolProblemRow(Base):
    """One quarantine of a symbol that kept failing; active until ``expires_at``."""

    __tablename__ = "symbol_problems"
    __table_args__ = (
        Index("ix_symbol_problems_exchange_symbol", "exchange", "symbol"),
        Index("ix_symbol_problems_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(default=1)
    quarantined_at: Mapped[datetime]
    expires_at: Mapped[datetime]
