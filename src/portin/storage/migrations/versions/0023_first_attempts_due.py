"""the claim finds new deliveries (first attempts due since made) through their own index

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-03 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0019'
branch_labels = None
depends_on = None

# A claim gives a share of its slots to new deliveries (first attempts, due since they were
# made), so that new events are not queued behind a backlog of retries. Found through the
# pending index, that share would walk past every retry due; this index holds only new
# deliveries. Like the other partial indexes it stays small: a delivery leaves it at its first
# attempt. A plain CREATE INDEX: it blocks writes to deliveries while it builds (seconds per
# million pending deliveries).


def upgrade() -> None:
    op.create_index("ix_deliveries_first_due", "deliveries", ["next_attempt_at"],
                    sqlite_where=sa.text("status = 'pending' AND attempt_count = 0"
                                   " AND next_attempt_at = created_at"),
                    postgresql_where=sa.text("status = 'pending' AND attempt_count = 0"
                                   " AND next_attempt_at = created_at"))


def downgrade() -> None:
    op.drop_index("ix_deliveries_first_due", table_name="deliveries")
