"""Versions of trained models (the registry's index) and the learning loop's decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simbiot.storage.base import Base
from simbiot.storage.clock import utcnow
from simbiot.storage.types import Id

__all__ = ["MODEL_STATUSES", "LearningDecisionRow", "ModelVersionRow"]

MODEL_STATUSES = ("candidate", "champion", "retired", "rejected")


class ModelVersionRow(Base):
    """One trained artefact of a named model; at most one ``champion`` per name."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        Index("ix_model_versions_name_status", "name", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    # Artefact file, relative to the registry's directory.
    path: Mapped[str] = mapped_column(String(512))
    data_hash: Mapped[str] = mapped_column(String(64))
    train_start: Mapped[int] = mapped_column(BigInteger)
    train_stop: Mapped[int] = mapped_column(BigInteger)
    features: Mapped[dict[str, Any]]
    metrics: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None]


class LearningDecisionRow(Base):
    """What the retraining manager or the evolution loop decided, and the evidence why."""

    __tablename__ = "learning_decisions"
    __table_args__ = (Index("ix_learning_decisions_subject_ts", "subject", "ts"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    ts: Mapped[datetime] = mapped_column(default=utcnow)
