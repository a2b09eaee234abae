"""event_counts per UTC day: keyed (organization_id, event_type, day)

Revision ID: 0026
Revises: 0022
Create Date: 2026-12-03 11:00:00

A created_at range's total is then the counters of its whole days plus a count of the rows of
its (at most two) partial days (storage/events.py). The counters are derived from
porting_events, so both directions empty the table, change its key and count them again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0022'
branch_labels = None
depends_on = None

# SQLite's date() and PostgreSQL's date() both give the (naive UTC) created_at's day.
_COUNT_PER_DAY = (
    "INSERT INTO event_counts (organization_id, event_type, day, count)"
    " SELECT organization_id, event_type, date(created_at), COUNT(*) FROM porting_events"
    " GROUP BY organization_id, event_type, date(created_at)")
_COUNT = (
    "INSERT INTO event_counts (organization_id, event_type, count)"
    " SELECT organization_id, event_type, COUNT(*) FROM porting_events"
    " GROUP BY organization_id, event_type")


def _make_sqlite_table(per_day: bool) -> None:
    """SQLite cannot change a key in place, and batch mode keeps the reflected key on its
    copy: the (empty) table is made again with the new key, which is all batch mode does."""
    op.drop_table('event_counts')
    op.create_table(
        'event_counts',
        sa.Column('organization_id', sa.String(length=36), nullable=False),
        sa.Column('event_type', sa.String(length=64), nullable=False),
        *([sa.Column('day', sa.Date(), nullable=False)] if per_day else []),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id']),
        sa.PrimaryKeyConstraint('organization_id', 'event_type',
                                *(['day'] if per_day else [])))


def upgrade() -> None:
    op.execute("DELETE FROM event_counts")
    if op.get_bind().dialect.name == "sqlite":
        _make_sqlite_table(per_day=True)
    else:
        op.add_column('event_counts', sa.Column('day', sa.Date(), nullable=False))
        op.drop_constraint('event_counts_pkey', 'event_counts', type_='primary')
        op.create_primary_key('event_counts_pkey', 'event_counts',
                              ['organization_id', 'event_type', 'day'])
    op.execute(_COUNT_PER_DAY)


def downgrade() -> None:
    op.execute("DELETE FROM event_counts")
    if op.get_bind().dialect.name == "sqlite":
        _make_sqlite_table(per_day=False)
    else:
        op.drop_constraint('event_counts_pkey', 'event_counts', type_='primary')
        op.drop_column('event_counts', 'day')
        op.create_primary_key('event_counts_pkey', 'event_counts',
                              ['organization_id', 'event_type'])
    op.execute(_COUNT)
