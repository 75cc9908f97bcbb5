"""Strategies (built-in or a user's own, declared as data) and the bots that run them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from simbiot.storage.base import Base
from simbiot.storage.clock import utcnow
from simbiot.storage.types import Id

__all__ = ["BOT_MODES", "BotRow", "StrategyRow"]

BOT_MODES = ("paper", "live")


class StrategyRow(Base):
    """A strategy definition; ``user_id`` is NULL for the built-in ones everybody sees."""

    __tablename__ = "strategies"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]]
    # Bots whose strategies share a hash are evaluated once for all of them.
    config_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BotRow(Base):
    """One strategy trading for one user, on paper or on a live account."""

    __tablename__ = "bots"
    __table_args__ = (
        CheckConstraint("mode IN ('paper', 'live')", name="mode"),
        CheckConstraint("mode = 'paper' OR account_id IS NOT NULL", name="live_has_account"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # A strategy or account still used by a bot cannot be deleted from under it. NO ACTION
    # (checked at the end of the statement) rather than RESTRICT, so deleting a user cascades
    # through their bots, strategies and accounts whatever order the cascades run in.
    strategy_id: Mapped[int] = mapped_column(
        Id, ForeignKey("strategies.id", ondelete="NO ACTION"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("exchange_accounts.id", ondelete="NO ACTION"), index=True
    )
    name: Mapped[str] = mapped_column(String(128))
    mode: Mapped[str] = mapped_column(String(8), default="paper")
    status: Mapped[str] = mapped_column(String(16), default="stopped", index=True)
    params: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
