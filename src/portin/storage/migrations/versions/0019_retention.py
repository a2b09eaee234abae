"""retention finds old finished deliveries by an index that holds only finished ones

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-02 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0021'
branch_labels = None
depends_on = None

FINISHED = sa.text("status IN ('delivered', 'failed')")


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_finished', ['finished_at', 'id'], unique=False,
                              sqlite_where=FINISHED, postgresql_where=FINISHED)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_finished')
