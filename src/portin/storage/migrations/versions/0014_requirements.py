"""requirements: the catalogue (types, which apply to which country and number type), each
order's values and their review, an organization's porting settings, and the order's
requirement_group_id; the catalogue seeded from reference_data

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import portin.storage.types
from portin.storage import reference_data

revision = '0014'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    requirement_types = op.create_table('requirement_types',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('example', sa.Text(), nullable=True),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('acceptance_criteria', sa.JSON(), nullable=False),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    by_country = op.create_table('requirements_by_country',
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('phone_number_type', sa.String(length=32), nullable=False),
    sa.Column('requirement_type_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['requirement_type_id'], ['requirement_types.id'], ),
    sa.PrimaryKeyConstraint('country_code', 'phone_number_type', 'requirement_type_id')
    )
    with op.batch_alter_table('requirements_by_country', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requirements_by_country_requirement_type_id'), ['requirement_type_id'], unique=False)

    op.create_table('porting_order_requirements',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('porting_order_id', sa.String(length=36), nullable=False),
    sa.Column('requirement_type_id', sa.String(length=36), nullable=False),
    sa.Column('field_value', sa.Text(), nullable=False),
    sa.Column('review_status', sa.String(length=16), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.Column('reviewed_at', portin.storage.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['porting_order_id'], ['porting_orders.id'], ),
    sa.ForeignKeyConstraint(['requirement_type_id'], ['requirement_types.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('porting_order_id', 'requirement_type_id', name='uq_order_requirement_once')
    )
    with op.batch_alter_table('porting_order_requirements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_porting_order_requirements_requirement_type_id'), ['requirement_type_id'], unique=False)

    op.create_table('porting_settings',
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('confirm_requires_requirements_met', sa.Boolean(), nullable=False),
    sa.Column('updated_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('organization_id')
    )
    with op.batch_alter_table('porting_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requirement_group_id', sa.String(length=255), nullable=True))

    # The shipped catalogue; from here on the tables are the truth and the operator edits them.
    now = datetime.now(UTC)
    op.bulk_insert(requirement_types, [
        {**row, "example": row.get("example"), "created_at": now, "updated_at": now}
        for row in reference_data.load("requirement_types")])
    op.bulk_insert(by_country, [
        {"country_code": rule["country_code"], "phone_number_type": rule["phone_number_type"],
         "requirement_type_id": type_id, "created_at": now}
        for rule in reference_data.load("requirements_by_country")
        for type_id in rule["requirement_type_ids"]])


def downgrade() -> None:
    with op.batch_alter_table('porting_orders', schema=None) as batch_op:
        batch_op.drop_column('requirement_group_id')
    op.drop_table('porting_settings')
    with op.batch_alter_table('porting_order_requirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_porting_order_requirements_requirement_type_id'))
    op.drop_table('porting_order_requirements')
    with op.batch_alter_table('requirements_by_country', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requirements_by_country_requirement_type_id'))
    op.drop_table('requirements_by_country')
    op.drop_table('requirement_types')
