"""Answers stored under a client's Idempotency-Key, and bots' equity history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simbiot.storage.base import Base
from simbiot.storage.clock import utcnow
from simbiot.storage.types import Id

__all__ = ["EquityMarkRow", "IdempotencyRow"]


class IdempotencyRow(Base):
    """The first answer to an order-like request; a retry with the same key gets it again,
    and the same key with a different request is refused."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    # SHA-256 of method, path and body.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class EquityMarkRow(Base):
    """A bot's equity at one moment: cash plus open positions at the last price."""

    __tablename__ = "equity_marks"
    __table_args__ = (Index("ix_equity_marks_bot_id_ts", "bot_id", "ts"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    bot_id: Mapped[int] = mapped_column(Id, ForeignKey("bots.id", ondelete="CASCADE"))
    ts: Mapped[datetime]
    equity: Mapped[Decimal]
    cash: Mapped[Decimal]
    positions_value: Mapped[Decimal]
    note: Mapped[str | None] = mapped_column(String(64), default=None)
