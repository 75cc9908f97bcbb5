"""Positions with their exit levels, versioned for optimistic concurrency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from simbiot.storage.base import Base
from simbiot.storage.clock import utcnow
from simbiot.storage.types import Id

__all__ = ["PositionRow"]


class PositionRow(Base):
    """A user's holding in one symbol, opened by a bot (or by hand when ``bot_id`` is NULL)."""

    __tablename__ = "positions"
    __table_args__ = (
        CheckConstraint("side IN ('long', 'short')", name="side"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        Index("ix_positions_user_id_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    # Indexed by the composite index that starts with user_id.
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    bot_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("bots.id", ondelete="SET NULL"), index=True
    )
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(5))
    amount: Mapped[Decimal]
    entry_price: Mapped[Decimal]
    stop_price: Mapped[Decimal | None]
    take_profit: Mapped[Decimal | None]
    # Trailing stop distance as a fraction of price, and the best price seen since entry
    # (highest for a long, lowest for a short) that the trailing stop follows.
    trail_pct: Mapped[Decimal | None]
    best_price: Mapped[Decimal | None]
    realized_pnl: Mapped[Decimal] = mapped_column(default=Decimal(0))
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
