"""ordered notification channels; deliveries keep their place in line and who recovered them

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-02 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0018'
branch_labels = None
depends_on = None

ORDERED_PENDING = sa.text("status = 'pending' AND order_seq IS NOT NULL")


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (nullable, or with a server default): no table copy.
    op.add_column('notification_channels',
                  sa.Column('ordered', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('deliveries', sa.Column('porting_order_id', sa.String(length=36),
                                          nullable=True))
    op.add_column('deliveries', sa.Column('order_seq', sa.BigInteger(), nullable=True))
    op.add_column('deliveries', sa.Column('recovered_by', sa.String(length=36), nullable=True))
    op.create_index('ix_deliveries_ordered_pending', 'deliveries',
                    ['porting_order_id', 'notification_channel_id', 'order_seq'], unique=False,
                    sqlite_where=ORDERED_PENDING, postgresql_where=ORDERED_PENDING)


def downgrade() -> None:
    op.drop_index('ix_deliveries_ordered_pending', table_name='deliveries')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('recovered_by')
        batch_op.drop_column('order_seq')
        batch_op.drop_column('porting_order_id')
    with op.batch_alter_table('notification_channels', schema=None) as batch_op:
        batch_op.drop_column('ordered')
