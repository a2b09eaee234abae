"""PostgreSQL: each partition of deliveries and attempts gets autovacuum settings for a queue

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 11:00:00

Every partition found (the months and DEFAULT) of `deliveries` and `delivery_attempts` gets
the storage parameters of `storage.partitions.AUTOVACUUM` (why these values: there): a vacuum
after a fixed number of changed or inserted rows instead of a fifth of the table, and, on
deliveries, index cleanup always, so the partial index of pending deliveries the claim scans
loses its stale entries. Partitions the upkeep makes later get them from `add_month`.
`ALTER TABLE ... SET` of these takes SHARE UPDATE EXCLUSIVE only (reads and writes go on) and
rewrites nothing. The downgrade RESETs them. SQLite: nothing to do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from portin.storage import partitions

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, parameters in partitions.AUTOVACUUM.items():
        settings = ", ".join(f"{name} = {value}" for name, value in parameters.items())
        for partition in _partitions(bind, table):
            op.execute(f"ALTER TABLE {partition} SET ({settings})")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, parameters in partitions.AUTOVACUUM.items():
        for partition in _partitions(bind, table):
            op.execute(f"ALTER TABLE {partition} RESET ({', '.join(parameters)})")


def _partitions(bind: sa.Connection, table: str) -> list[str]:
    """The table's partitions, by name, in the order of their names."""
    return list(bind.execute(sa.text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(:table) ORDER BY c.relname"),
        {"table": table}).scalars())
