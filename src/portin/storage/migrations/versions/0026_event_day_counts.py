"""event_day_counts: events per organization, type and UTC day of created_at

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 11:00:00

A created_at range's total is then the counters of its whole days plus a count of the rows of
its (at most two) partial days (storage/events.py). event_counts is left as it was (same key,
same upsert), so code older than this revision still writes events on the migrated schema;
it does not keep the new table, though (see docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

# SQLite's date() and PostgreSQL's date() both give the (naive UTC) created_at's day.
_COUNT_PER_DAY = (
    "INSERT INTO event_day_counts (organization_id, event_type, day, count)"
    " SELECT organization_id, event_type, date(created_at), COUNT(*) FROM porting_events"
    " GROUP BY organization_id, event_type, date(created_at)")


def upgrade() -> None:
    op.create_table(
        'event_day_counts',
        sa.Column('organization_id', sa.String(length=36), nullable=False),
        sa.Column('event_type', sa.String(length=64), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id']),
        sa.PrimaryKeyConstraint('organization_id', 'event_type', 'day'))
    op.execute(_COUNT_PER_DAY)


def downgrade() -> None:
    op.drop_table('event_day_counts')
