"""deliveries keep room on their pages, so a claim's lease is a HOT update

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-02 19:30:00
"""

from __future__ import annotations

from alembic import op

revision = '0021'
down_revision = '0016'
branch_labels = None
depends_on = None

# A claim's lease changes only lease_until and leased_by, which no index holds: with room on
# the row's page PostgreSQL writes the new version beside it (a HOT update) and touches no
# index. With full pages every lease inserted an entry in each of the table's indexes.
# Only rows written from now on get the room (a VACUUM FULL would repack the old ones).
# SQLite has no such setting.


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries RESET (fillfactor)")
