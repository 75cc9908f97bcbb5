"""API platform: refresh tokens, jobs, billing, idempotency keys, equity marks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from simbiot.storage import types as st

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the platform tables."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tokens_valid_after', st.UtcDateTime(), nullable=True))
    # The trader reads the running bots every cycle.
    with op.batch_alter_table('bots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bots_status'), ['status'], unique=False)

    op.create_table('webhook_events',
    sa.Column('id', st.Id, autoincrement=True, nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', st.JsonDoc, nullable=False),
    sa.Column('received_at', st.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('provider', 'event_id', name=op.f('uq_webhook_events_provider_event_id'))
    )
    op.create_table('billing_ledger',
    sa.Column('id', st.Id, autoincrement=True, nullable=False),
    sa.Column('user_id', st.Id, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('amount', st.ExactDecimal(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('credits', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=128), nullable=False),
    sa.Column('created_at', st.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_billing_ledger_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_ledger')),
    sa.UniqueConstraint('user_id', 'reference', name=op.f('uq_billing_ledger_user_id_reference'))
    )
    with op.batch_alter_table('billing_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_ledger_user_id'), ['user_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', st.Id, autoincrement=True, nullable=False),
    sa.Column('user_id', st.Id, nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', st.JsonDoc, nullable=True),
    sa.Column('created_at', st.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_keys_user_id_key'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_created_at'), ['created_at'], unique=False)

    op.create_table('jobs',
    sa.Column('id', st.Id, autoincrement=True, nullable=False),
    sa.Column('user_id', st.Id, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('params', st.JsonDoc, nullable=False),
    sa.Column('progress', sa.Double(), nullable=False),
    sa.Column('result', st.JsonDoc, nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', st.UtcDateTime(), nullable=True),
    sa.Column('created_at', st.UtcDateTime(), nullable=False),
    sa.Column('started_at', st.UtcDateTime(), nullable=True),
    sa.Column('finished_at', st.UtcDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name=op.f('ck_jobs_status')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_jobs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_status_lease_until', ['status', 'lease_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_user_id'), ['user_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', st.Id, autoincrement=True, nullable=False),
    sa.Column('user_id', st.Id, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('plan', sa.String(length=64), nullable=True),
    sa.Column('credits', sa.Integer(), nullable=False),
    sa.Column('amount', st.ExactDecimal(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('provider_ref', sa.String(length=128), nullable=False),
    sa.Column('created_at', st.UtcDateTime(), nullable=False),
    sa.Column('settled_at', st.UtcDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('subscription', 'credits')", name=op.f('ck_payments_kind')),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'refunded')", name=op.f('ck_payments_status')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('provider', 'provider_ref', name=op.f('uq_payments_provider_provider_ref'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_user_id'), ['user_id'], unique=False)

    op.create_table('refresh_tokens',
    sa.Column('id', st.Id, autoincrement=True, nullable=False),
    sa.Column('user_id', st.Id, nullable=False),
    sa.Column('family_id', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', st.UtcDateTime(), nullable=False),
    sa.Column('expires_at', st.UtcDateTime(), nullable=False),
    sa.Column('used_at', st.UtcDateTime(), nullable=True),
    sa.Column('revoked_at', st.UtcDateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refresh_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash'))
    )
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refresh_tokens_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refresh_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', st.Id, autoincrement=True, nullable=False),
    sa.Column('user_id', st.Id, nullable=False),
    sa.Column('plan', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('period_start', st.UtcDateTime(), nullable=False),
    sa.Column('period_end', st.UtcDateTime(), nullable=False),
    sa.Column('grace_until', st.UtcDateTime(), nullable=True),
    sa.Column('auto_renew', sa.Boolean(), nullable=False),
    sa.Column('created_at', st.UtcDateTime(), nullable=False),
    sa.Column('updated_at', st.UtcDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('active', 'grace', 'expired', 'cancelled')", name=op.f('ck_subscriptions_status')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_subscriptions_status_period_end', ['status', 'period_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('equity_marks',
    sa.Column('id', st.Id, autoincrement=True, nullable=False),
    sa.Column('user_id', st.Id, nullable=False),
    sa.Column('bot_id', st.Id, nullable=False),
    sa.Column('ts', st.UtcDateTime(), nullable=False),
    sa.Column('equity', st.ExactDecimal(), nullable=False),
    sa.Column('cash', st.ExactDecimal(), nullable=False),
    sa.Column('positions_value', st.ExactDecimal(), nullable=False),
    sa.Column('note', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['bot_id'], ['bots.id'], name=op.f('fk_equity_marks_bot_id_bots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_equity_marks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_marks'))
    )
    with op.batch_alter_table('equity_marks', schema=None) as batch_op:
        batch_op.create_index('ix_equity_marks_bot_id_ts', ['bot_id', 'ts'], unique=False)
        batch_op.create_index(batch_op.f('ix_equity_marks_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    """Drop the platform tables."""
    with op.batch_alter_table('equity_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equity_marks_user_id'))
        batch_op.drop_index('ix_equity_marks_bot_id_ts')

    op.drop_table('equity_marks')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_user_id'))
        batch_op.drop_index('ix_subscriptions_status_period_end')

    op.drop_table('subscriptions')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_family_id'))

    op.drop_table('refresh_tokens')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_user_id'))

    op.drop_table('payments')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_user_id'))
        batch_op.drop_index('ix_jobs_status_lease_until')

    op.drop_table('jobs')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_created_at'))

    op.drop_table('idempotency_keys')
    with op.batch_alter_table('billing_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_ledger_user_id'))

    op.drop_table('billing_ledger')
    op.drop_table('webhook_events')
    with op.batch_alter_table('bots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bots_status'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('tokens_valid_after')
