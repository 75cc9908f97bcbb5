"""Subscriptions, payments, the money/credit ledger and received provider webhooks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simbiot.storage.base import Base
from simbiot.storage.clock import utcnow
from simbiot.storage.types import Id

__all__ = [
    "PAYMENT_STATUSES",
    "SUBSCRIPTION_STATUSES",
    "BillingLedgerRow",
    "PaymentRow",
    "SubscriptionRow",
    "WebhookEventRow",
]

SUBSCRIPTION_STATUSES = ("active", "grace", "expired", "cancelled")
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "refunded")


class SubscriptionRow(Base):
    """A user's subscription to a plan for consecutive periods."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'grace', 'expired', 'cancelled')", name="status"),
        Index("ix_subscriptions_status_period_end", "status", "period_end"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    plan: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    # The subscription keeps working until then after an unpaid renewal.
    grace_until: Mapped[datetime | None]
    auto_renew: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PaymentRow(Base):
    """A payment asked of the provider: a subscription period or a pack of credits."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'refunded')", name="status"),
        CheckConstraint("kind IN ('subscription', 'credits')", name="kind"),
        UniqueConstraint("provider", "provider_ref"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Plan name for a subscription payment; null for credits.
    plan: Mapped[str | None] = mapped_column(String(64))
    credits: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    provider: Mapped[str] = mapped_column(String(32))
    provider_ref: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]


class BillingLedgerRow(Base):
    """An append-only entry: money received or refunded, credits bought or spent. A user's
    credit balance is the sum of their ``credits`` column."""

    __tablename__ = "billing_ledger"
    __table_args__ = (UniqueConstraint("user_id", "reference"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3))
    credits: Mapped[int] = mapped_column(default=0)
    # What caused the entry (payment id, job id ...); unique per user so nothing counts twice.
    reference: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookEventRow(Base):
    """A provider webhook already processed; a replayed event id is acknowledged, not re-run."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
