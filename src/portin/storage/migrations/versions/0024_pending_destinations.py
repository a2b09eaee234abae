"""the claim looks past destinations that can take no more through an index by destination

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0022'
branch_labels = None
depends_on = None

# When a claim's window of the oldest due is all deliveries to destinations that can take no
# more (busy in the worker, or at their cap), the claim looks at each other destination's
# oldest due (outbox/queries.py `oldest_per_destination`). This index serves both halves of
# that look: the destinations with pending deliveries, found one probe each, and each one's
# due rows in order. Partial, like the other queue indexes: it holds the pending deliveries
# only. On PostgreSQL it is made on every partition of deliveries. A plain CREATE INDEX: it
# blocks writes to deliveries while it builds (seconds per million pending deliveries).


def upgrade() -> None:
    op.create_index("ix_deliveries_pending_destination", "deliveries",
                    ["destination", "next_attempt_at"],
                    sqlite_where=sa.text("status = 'pending'"),
                    postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index("ix_deliveries_pending_destination", table_name="deliveries")
