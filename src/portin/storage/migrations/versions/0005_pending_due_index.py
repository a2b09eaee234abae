"""the claim's index holds only pending deliveries; one text form for SQLite's times

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_due')
        batch_op.create_index('ix_deliveries_pending_due', ['next_attempt_at'], unique=False,
                              sqlite_where=PENDING, postgresql_where=PENDING)
    if op.get_bind().dialect.name == "sqlite":
        # Recording an attempt used to store these two as "...+00:00" on SQLite, beside the
        # "YYYY-MM-DD HH:MM:SS.ffffff" of every other time; they are all UTC. (Python wrote
        # no fraction when it was zero.)
        for column in ("started_at", "next_attempt_at"):
            op.execute(f"UPDATE deliveries SET {column} = CASE WHEN length({column}) = 25"
                       f" THEN substr({column}, 1, 19) || '.000000'"
                       f" ELSE substr({column}, 1, 26) END WHERE {column} LIKE '%+00:00'")


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_pending_due')
        batch_op.create_index('ix_deliveries_due', ['status', 'next_attempt_at'], unique=False)
