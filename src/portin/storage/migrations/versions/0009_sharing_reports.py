"""sharing tokens, server secrets and porting reports

Revision ID: 0009
Revises: 0013
Create Date: 2026-12-02 00:41:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portin.storage.types

revision = '0009'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('porting_order_sharing_tokens',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('porting_order_id', sa.String(length=36), nullable=False),
    sa.Column('permission', sa.String(length=64), nullable=False),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('expiry_recorded_at', portin.storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['porting_order_id'], ['porting_orders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('porting_order_sharing_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_sharing_tokens_expiry_due', ['expiry_recorded_at', 'expires_at'], unique=False)
        batch_op.create_index('ix_sharing_tokens_org_order', ['organization_id', 'porting_order_id'], unique=False)

    op.create_table('porting_reports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('report_type', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('porting_reports', schema=None) as batch_op:
        batch_op.create_index('ix_porting_reports_org_created', ['organization_id', 'created_at'], unique=False)
        batch_op.create_index('ix_porting_reports_status_created', ['status', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('porting_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_porting_reports_status_created')
        batch_op.drop_index('ix_porting_reports_org_created')

    op.drop_table('porting_reports')
    with op.batch_alter_table('porting_order_sharing_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_sharing_tokens_org_order')
        batch_op.drop_index('ix_sharing_tokens_expiry_due')

    op.drop_table('porting_order_sharing_tokens')
