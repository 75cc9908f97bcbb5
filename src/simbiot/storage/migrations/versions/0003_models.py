"""Model registry versions and learning decisions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from simbiot.storage import types as st

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create model_versions and learning_decisions."""
    op.create_table(
        "model_versions",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("train_start", sa.BigInteger(), nullable=False),
        sa.Column("train_stop", sa.BigInteger(), nullable=False),
        sa.Column("features", st.JsonDoc, nullable=False),
        sa.Column("metrics", st.JsonDoc, nullable=False),
        sa.Column("created_at", st.UtcDateTime(), nullable=False),
        sa.Column("promoted_at", st.UtcDateTime(), nullable=True),
        sa.UniqueConstraint("name", "version", name=op.f("uq_model_versions_name_version")),
    )
    op.create_index("ix_model_versions_name_status", "model_versions", ["name", "status"])
    op.create_table(
        "learning_decisions",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", st.JsonDoc, nullable=False),
        sa.Column("ts", st.UtcDateTime(), nullable=False),
    )
    op.create_index("ix_learning_decisions_subject_ts", "learning_decisions", ["subject", "ts"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_learning_decisions_subject_ts", table_name="learning_decisions")
    op.drop_table("learning_decisions")
    op.drop_index("ix_model_versions_name_status", table_name="model_versions")
    op.drop_table("model_versions")
