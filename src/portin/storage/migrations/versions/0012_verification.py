"""verification codes and action requirements

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-02 00:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from portin.storage.types import UTCDateTime

revision = '0012'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('porting_verification_codes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('porting_order_id', sa.String(length=36), nullable=False),
    sa.Column('phone_number', sa.String(length=16), nullable=False),
    sa.Column('verification_method', sa.String(length=8), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('sandbox_code', sa.String(length=16), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['porting_order_id'], ['porting_orders.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('porting_order_id', 'phone_number', name='uq_verification_code_number')
    )
    op.create_index('ix_verification_codes_org_order_created', 'porting_verification_codes',
                    ['organization_id', 'porting_order_id', 'created_at'], unique=False)
    op.create_table('porting_action_requirements',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('porting_order_id', sa.String(length=36), nullable=False),
    sa.Column('action_type', sa.String(length=64), nullable=False),
    sa.Column('requirement_type_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('action_url', sa.String(length=2048), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('first_name', sa.String(length=255), nullable=True),
    sa.Column('last_name', sa.String(length=255), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['porting_order_id'], ['porting_orders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_action_requirements_org_order_created', 'porting_action_requirements',
                    ['organization_id', 'porting_order_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_action_requirements_org_order_created',
                  table_name='porting_action_requirements')
    op.drop_table('porting_action_requirements')
    op.drop_index('ix_verification_codes_org_order_created',
                  table_name='porting_verification_codes')
    op.drop_table('porting_verification_codes')
