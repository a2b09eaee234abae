"""deliveries keep room on their pages, so a claim's lease is a HOT update

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-02 19:30:00
"""

from __future__ import annotations

from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# A claim's lease changes only lease_until and leased_by, which no index holds: with room on
# the row's page PostgreSQL writes the new version beside it (a HOT update) and touches no
# index. With full pages every lease inserted an entry in each of the table's indexes. Half
# the page: a claim leases runs of neighbouring rows at once, each needing room for its new
# version (at 70, fewer than half of the leases were HOT in bench/delivery.py). The table
# takes up to twice the room; it holds only what retention keeps. Only rows written from
# now on get the room. SQLite has no such setting.


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries RESET (fillfactor)")
