"""Orders (written before they are sent) and their fills (booked once per trade id)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simbiot.storage.base import Base
from simbiot.storage.clock import utcnow
from simbiot.storage.types import Id

__all__ = ["FillRow", "OrderRow"]


class OrderRow(Base):
    """One order; ``account_ref`` is an exchange account id or ``paper:<bot_id>``."""

    __tablename__ = "orders"
    __table_args__ = (
        # The venue's own idempotency key: the same client id is never sent twice.
        UniqueConstraint("exchange", "account_ref", "client_order_id"),
        Index("ix_orders_user_id_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    # Indexed by the composite index that starts with user_id.
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    bot_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("bots.id", ondelete="SET NULL"), index=True
    )
    account_ref: Mapped[str] = mapped_column(String(64))
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(64))
    client_order_id: Mapped[str] = mapped_column(String(64))
    exchange_order_id: Mapped[str | None] = mapped_column(String(128))
    side: Mapped[str] = mapped_column(String(4))
    type: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal]
    price: Mapped[Decimal | None]
    filled: Mapped[Decimal] = mapped_column(default=Decimal(0))
    average: Mapped[Decimal | None]
    fee: Mapped[Decimal] = mapped_column(default=Decimal(0))
    fee_currency: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FillRow(Base):
    """One trade of one of our orders, unique per venue account and trade id."""

    __tablename__ = "fills"
    __table_args__ = (UniqueConstraint("exchange", "account_ref", "trade_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(
        Id, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exchange: Mapped[str] = mapped_column(String(32))
    account_ref: Mapped[str] = mapped_column(String(64))
    trade_id: Mapped[str] = mapped_column(String(128))
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(4))
    price: Mapped[Decimal]
    amount: Mapped[Decimal]
    fee: Mapped[Decimal] = mapped_column(default=Decimal(0))
    fee_currency: Mapped[str | None] = mapped_column(String(16))
    ts: Mapped[datetime]
