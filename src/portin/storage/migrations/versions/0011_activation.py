"""FOC windows and activation: the lead-time table (seeded), holiday changes, activation jobs

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import portin.storage.types
from portin.storage import reference_data

revision = '0011'
down_revision = '0012'
branch_labels = None
depends_on = None

LIVE_JOB = sa.text("status IN ('created', 'in-process')")


def upgrade() -> None:
    lead_times = op.create_table(
        'foc_lead_times',
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.Column('phone_number_type', sa.String(length=32), nullable=False),
        sa.Column('lead_business_days', sa.Integer(), nullable=False),
        sa.Column('time_zone', sa.String(length=64), nullable=True),
        sa.Column('updated_at', portin.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('country_code', 'phone_number_type'),
    )
    op.create_table(
        'foc_holidays',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=True),
        sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('country_code', 'day', name='uq_foc_holiday_day'),
    )
    op.create_table(
        'activation_jobs',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('organization_id', sa.String(length=36), nullable=False),
        sa.Column('porting_order_id', sa.String(length=36), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('activation_type', sa.String(length=16), nullable=False),
        sa.Column('activate_at', portin.storage.types.UTCDateTime(), nullable=False),
        sa.Column('activation_windows', sa.JSON(), nullable=False),
        sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', portin.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
        sa.ForeignKeyConstraint(['porting_order_id'], ['porting_orders.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('activation_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_activation_jobs_order_created',
                              ['porting_order_id', 'created_at'], unique=False)
        batch_op.create_index('uq_activation_jobs_live', ['porting_order_id'], unique=True,
                              sqlite_where=LIVE_JOB, postgresql_where=LIVE_JOB)
    now = datetime.now(UTC)
    op.bulk_insert(lead_times, [
        {"country_code": row["country_code"], "phone_number_type": row["phone_number_type"],
         "lead_business_days": row["lead_business_days"], "time_zone": row.get("time_zone"),
         "updated_at": now}
        for row in reference_data.load("foc_lead_times")])


def downgrade() -> None:
    with op.batch_alter_table('activation_jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_activation_jobs_live')
        batch_op.drop_index('ix_activation_jobs_order_created')
    op.drop_table('activation_jobs')
    op.drop_table('foc_holidays')
    op.drop_table('foc_lead_times')
