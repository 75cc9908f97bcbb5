"""Signals table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from simbiot.storage import types as st

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the signals table."""
    op.create_table(
        "signals",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("config_id", sa.String(40), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("strength", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expected_value", sa.Float(), nullable=True),
        sa.Column("xray_score", sa.Float(), nullable=True),
        sa.Column("bar_ts", sa.BigInteger(), nullable=False),
        sa.Column("created_at", st.UtcDateTime(), nullable=False),
        sa.UniqueConstraint(
            "config_id", "symbol", "side", "bar_ts",
            name=op.f("uq_signals_config_id_symbol_side_bar_ts"),
        ),  # fmt: skip
    )
    op.create_index("ix_signals_config_id_bar_ts", "signals", ["config_id", "bar_ts"])
    op.create_index("ix_signals_symbol_bar_ts", "signals", ["symbol", "bar_ts"])


def downgrade() -> None:
    """Drop the signals table."""
    op.drop_index("ix_signals_symbol_bar_ts", table_name="signals")
    op.drop_index("ix_signals_config_id_bar_ts", table_name="signals")
    op.drop_table("signals")
