"""Users and their settings document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from simbiot.storage.base import Base
from simbiot.storage.clock import utcnow
from simbiot.storage.types import Id

__all__ = ["ROLES", "UserRow", "UserSettingsRow"]

ROLES = ("user", "admin")


class UserRow(Base):
    """A person who logs in; emails are stored lower-cased."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('user', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Access tokens issued before this moment are refused: set when the user logs out
    # everywhere, changes password or is deactivated.
    tokens_valid_after: Mapped[datetime | None] = mapped_column(default=None)


class UserSettingsRow(Base):
    """One JSON document of per-user overrides, versioned for optimistic concurrency."""

    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(
        Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    doc: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
