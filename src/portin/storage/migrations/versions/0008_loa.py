"""LOA configurations (an organization's branding) and an order's additional documents

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02 00:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portin.storage.types

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loa_configurations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('company_name', sa.String(length=255), nullable=False),
    sa.Column('street_address', sa.String(length=255), nullable=False),
    sa.Column('extended_address', sa.String(length=255), nullable=True),
    sa.Column('city', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=255), nullable=False),
    sa.Column('zip_code', sa.String(length=32), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_phone_number', sa.String(length=16), nullable=False),
    sa.Column('logo_document_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['logo_document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('loa_configurations', schema=None) as batch_op:
        batch_op.create_index('ix_loa_configurations_org_created', ['organization_id', 'created_at'], unique=False)

    op.create_table('porting_additional_documents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('porting_order_id', sa.String(length=36), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=False),
    sa.Column('document_type', sa.String(length=16), nullable=False),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['porting_order_id'], ['porting_orders.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('porting_order_id', 'document_id', name='uq_additional_document_once_per_order')
    )
    with op.batch_alter_table('porting_additional_documents', schema=None) as batch_op:
        batch_op.create_index('ix_additional_documents_order_created', ['porting_order_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('porting_additional_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_additional_documents_order_created')
    op.drop_table('porting_additional_documents')
    with op.batch_alter_table('loa_configurations', schema=None) as batch_op:
        batch_op.drop_index('ix_loa_configurations_org_created')
    op.drop_table('loa_configurations')
