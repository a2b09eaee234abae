"""endpoint health: delivery destinations, their alerts, paused deliveries

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-02 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portin.storage.types

revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delivery_destinations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('destination', sa.String(length=2048), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('failing_since', portin.storage.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_failure_at', portin.storage.types.UTCDateTime(), nullable=True),
    sa.Column('last_success_at', portin.storage.types.UTCDateTime(), nullable=True),
    sa.Column('disabled_at', portin.storage.types.UTCDateTime(), nullable=True),
    sa.Column('disabled_reason', sa.String(length=32), nullable=True),
    sa.Column('alerted', sa.Boolean(), nullable=False),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delivery_destinations', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_destinations_org_created', ['organization_id', 'created_at'], unique=False)

    op.create_table('destination_alerts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('destination_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', portin.storage.types.UTCDateTime(), nullable=True),
    sa.Column('sent_at', portin.storage.types.UTCDateTime(), nullable=True),
    sa.Column('recipients', sa.JSON(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['destination_id'], ['delivery_destinations.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('destination_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_destination_alerts_destination', ['destination_id', 'created_at'], unique=False)
        batch_op.create_index('ix_destination_alerts_unsent', ['created_at'], unique=False, postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_paused', ['organization_id', 'destination'], unique=False, postgresql_where=sa.text("status = 'paused'"), sqlite_where=sa.text("status = 'paused'"))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_paused', postgresql_where=sa.text("status = 'paused'"), sqlite_where=sa.text("status = 'paused'"))
    with op.batch_alter_table('destination_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_destination_alerts_unsent', postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))
        batch_op.drop_index('ix_destination_alerts_destination')
    op.drop_table('destination_alerts')
    with op.batch_alter_table('delivery_destinations', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_destinations_org_created')
    op.drop_table('delivery_destinations')
