"""Initial schema: users, credentials, settings, strategies, bots, orders, fills, positions,
audit log and symbol problems.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from simbiot.storage import types as st

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(ondelete: str = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey("users.id", ondelete=ondelete)


def upgrade() -> None:
    """Create every table of the first release."""
    op.create_table(
        "users",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", st.UtcDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('user', 'admin')", name=op.f("ck_users_role")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "user_settings",
        sa.Column("user_id", st.Id, _user_fk(), primary_key=True),
        sa.Column("doc", st.JsonDoc, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", st.UtcDateTime(), nullable=False),
    )
    op.create_table(
        "exchange_accounts",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", st.Id, _user_fk(), nullable=False),
        sa.Column("exchange", sa.String(32), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("api_key_last4", sa.String(4), nullable=False),
        sa.Column("can_withdraw", sa.Boolean(), nullable=False),
        sa.Column("created_at", st.UtcDateTime(), nullable=False),
        sa.UniqueConstraint(
            "user_id", "exchange", "label", name=op.f("uq_exchange_accounts_user_id_exchange_label")
        ),
    )
    op.create_index(op.f("ix_exchange_accounts_user_id"), "exchange_accounts", ["user_id"])
    op.create_index(op.f("ix_exchange_accounts_key_id"), "exchange_accounts", ["key_id"])
    op.create_table(
        "strategies",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", st.Id, _user_fk(), nullable=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("definition", st.JsonDoc, nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("created_at", st.UtcDateTime(), nullable=False),
        sa.Column("updated_at", st.UtcDateTime(), nullable=False),
    )
    op.create_index(op.f("ix_strategies_user_id"), "strategies", ["user_id"])
    op.create_index(op.f("ix_strategies_config_hash"), "strategies", ["config_hash"])
    op.create_table(
        "bots",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", st.Id, _user_fk(), nullable=False),
        sa.Column(
            "strategy_id",
            st.Id,
            sa.ForeignKey("strategies.id", ondelete="NO ACTION"),
            nullable=False,
        ),
        sa.Column(
            "account_id",
            st.Id,
            sa.ForeignKey("exchange_accounts.id", ondelete="NO ACTION"),
            nullable=True,
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params", st.JsonDoc, nullable=False),
        sa.Column("created_at", st.UtcDateTime(), nullable=False),
        sa.Column("updated_at", st.UtcDateTime(), nullable=False),
        sa.Column("started_at", st.UtcDateTime(), nullable=True),
        sa.Column("stopped_at", st.UtcDateTime(), nullable=True),
        sa.CheckConstraint("mode IN ('paper', 'live')", name=op.f("ck_bots_mode")),
        sa.CheckConstraint(
            "mode = 'paper' OR account_id IS NOT NULL", name=op.f("ck_bots_live_has_account")
        ),
    )
    op.create_index(op.f("ix_bots_user_id"), "bots", ["user_id"])
    op.create_index(op.f("ix_bots_strategy_id"), "bots", ["strategy_id"])
    op.create_index(op.f("ix_bots_account_id"), "bots", ["account_id"])
    op.create_table(
        "orders",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", st.Id, _user_fk(), nullable=False),
        sa.Column("bot_id", st.Id, sa.ForeignKey("bots.id", ondelete="SET NULL"), nullable=True),
        sa.Column("account_ref", sa.String(64), nullable=False),
        sa.Column("exchange", sa.String(32), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("exchange_order_id", sa.String(128), nullable=True),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("amount", st.ExactDecimal(), nullable=False),
        sa.Column("price", st.ExactDecimal(), nullable=True),
        sa.Column("filled", st.ExactDecimal(), nullable=False),
        sa.Column("average", st.ExactDecimal(), nullable=True),
        sa.Column("fee", st.ExactDecimal(), nullable=False),
        sa.Column("fee_currency", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", st.UtcDateTime(), nullable=False),
        sa.Column("updated_at", st.UtcDateTime(), nullable=False),
        sa.UniqueConstraint(
            "exchange",
            "account_ref",
            "client_order_id",
            name=op.f("uq_orders_exchange_account_ref_client_order_id"),
        ),
    )
    op.create_index(op.f("ix_orders_user_id_status"), "orders", ["user_id", "status"])
    op.create_index(op.f("ix_orders_bot_id"), "orders", ["bot_id"])
    op.create_table(
        "fills",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column(
            "order_id", st.Id, sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", st.Id, _user_fk(), nullable=False),
        sa.Column("exchange", sa.String(32), nullable=False),
        sa.Column("account_ref", sa.String(64), nullable=False),
        sa.Column("trade_id", sa.String(128), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("price", st.ExactDecimal(), nullable=False),
        sa.Column("amount", st.ExactDecimal(), nullable=False),
        sa.Column("fee", st.ExactDecimal(), nullable=False),
        sa.Column("fee_currency", sa.String(16), nullable=True),
        sa.Column("ts", st.UtcDateTime(), nullable=False),
        sa.UniqueConstraint(
            "exchange", "account_ref", "trade_id", name=op.f("uq_fills_exchange_account_ref_trade_id")
        ),
    )
    op.create_index(op.f("ix_fills_order_id"), "fills", ["order_id"])
    op.create_index(op.f("ix_fills_user_id"), "fills", ["user_id"])
    op.create_table(
        "positions",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", st.Id, _user_fk(), nullable=False),
        sa.Column("bot_id", st.Id, sa.ForeignKey("bots.id", ondelete="SET NULL"), nullable=True),
        sa.Column("exchange", sa.String(32), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", sa.String(5), nullable=False),
        sa.Column("amount", st.ExactDecimal(), nullable=False),
        sa.Column("entry_price", st.ExactDecimal(), nullable=False),
        sa.Column("stop_price", st.ExactDecimal(), nullable=True),
        sa.Column("take_profit", st.ExactDecimal(), nullable=True),
        sa.Column("trail_pct", st.ExactDecimal(), nullable=True),
        sa.Column("best_price", st.ExactDecimal(), nullable=True),
        sa.Column("realized_pnl", st.ExactDecimal(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("opened_at", st.UtcDateTime(), nullable=False),
        sa.Column("closed_at", st.UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("side IN ('long', 'short')", name=op.f("ck_positions_side")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_positions_status")),
    )
    op.create_index(op.f("ix_positions_user_id_status"), "positions", ["user_id", "status"])
    op.create_index(op.f("ix_positions_bot_id"), "positions", ["bot_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", st.Id, _user_fk("SET NULL"), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("detail", st.JsonDoc, nullable=False),
        sa.Column("ts", st.UtcDateTime(), nullable=False),
    )
    op.create_index(op.f("ix_audit_log_user_id_ts"), "audit_log", ["user_id", "ts"])
    op.create_index(op.f("ix_audit_log_ts"), "audit_log", ["ts"])
    op.create_table(
        "symbol_problems",
        sa.Column("id", st.Id, primary_key=True, autoincrement=True),
        sa.Column("exchange", sa.String(32), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("quarantined_at", st.UtcDateTime(), nullable=False),
        sa.Column("expires_at", st.UtcDateTime(), nullable=False),
    )
    op.create_index(
        op.f("ix_symbol_problems_exchange_symbol"), "symbol_problems", ["exchange", "symbol"]
    )
    op.create_index(op.f("ix_symbol_problems_expires_at"), "symbol_problems", ["expires_at"])


def downgrade() -> None:
    """Drop every table, children first."""
    for table in (
        "symbol_problems",
        "audit_log",
        "positions",
        "fills",
        "orders",
        "bots",
        "strategies",
        "exchange_accounts",
        "user_settings",
        "users",
    ):
        op.drop_table(table)
