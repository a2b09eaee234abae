"""event feed: per-order sequences, per-organization feed positions, their counters

Revision ID: 0016
Revises: 0017
Create Date: 2026-12-02 06:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_positions',
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'owner_id')
    )
    with op.batch_alter_table('porting_events') as batch:
        batch.add_column(sa.Column('sequence', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('feed_position', sa.BigInteger(), nullable=True))
    # Number the events already stored: each order's in the order of its history (created_at,
    # then seq), each organization's feed in insertion order (seq).
    op.execute("UPDATE porting_events SET sequence = numbered.sequence,"
               " feed_position = numbered.feed_position"
               " FROM (SELECT seq,"
               " row_number() OVER (PARTITION BY porting_order_id ORDER BY created_at, seq)"
               " AS sequence,"
               " row_number() OVER (PARTITION BY organization_id ORDER BY seq) AS feed_position"
               " FROM porting_events) AS numbered"
               " WHERE porting_events.seq = numbered.seq")
    op.execute("INSERT INTO event_positions (scope, owner_id, last)"
               " SELECT 'organization', organization_id, max(feed_position)"
               " FROM porting_events GROUP BY organization_id")
    op.execute("INSERT INTO event_positions (scope, owner_id, last)"
               " SELECT 'order', porting_order_id, max(sequence)"
               " FROM porting_events GROUP BY porting_order_id")
    with op.batch_alter_table('porting_events') as batch:
        batch.alter_column('sequence', existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column('feed_position', existing_type=sa.BigInteger(), nullable=False)
        batch.create_index('ix_events_org_feed', ['organization_id', 'feed_position'],
                           unique=True)


def downgrade() -> None:
    with op.batch_alter_table('porting_events') as batch:
        batch.drop_index('ix_events_org_feed')
        batch.drop_column('feed_position')
        batch.drop_column('sequence')
    op.drop_table('event_positions')
