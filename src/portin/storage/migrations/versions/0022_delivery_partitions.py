"""PostgreSQL: deliveries and their attempts in monthly partitions; attempts keyed (delivery_id, id)

Revision ID: 0022
Revises: 0023
Create Date: 2026-12-03 06:30:00

PostgreSQL: `deliveries` becomes PARTITION BY RANGE (id) and `delivery_attempts` PARTITION BY
RANGE (delivery_id), with a partition per month from the oldest version 7 id's month through
MONTHS_AHEAD months ahead, and a DEFAULT partition each (storage/partitions.py). A table cannot
be partitioned in place: both are REWRITTEN (new tables, every row copied, indexes and keys
built again, old tables dropped) under ACCESS EXCLUSIVE locks. Run it in a maintenance window,
with nothing writing deliveries (docs/DEPLOYMENT.md gives its time per million rows).

SQLite: no partitions; `delivery_attempts` is rebuilt with the primary key (delivery_id, id),
as the model says (the same rewrite, of that table alone).

The indexes and the deliveries' foreign keys are carried over by their definitions as found,
with their names, so an index another revision added before this one is kept too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portin.storage.types
from portin.domain.ids import id_time
from portin.domain.timefmt import utcnow
from portin.storage import partitions

revision = '0022'
down_revision = '0023'
branch_labels = None
depends_on = None

TABLES = ("deliveries", "delivery_attempts")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        _attempts_key_sqlite(("delivery_id", "id"))
        return
    indexes = _index_definitions(bind)
    foreign_keys = _foreign_keys(bind, "deliveries")
    # The oldest version 7 id (its version digit is the 15th character).
    oldest = bind.execute(sa.text(
        "SELECT min(id) FROM deliveries WHERE substr(id, 15, 1) = '7'")).scalar()
    for table, key in (("deliveries", "id"), ("delivery_attempts", "delivery_id")):
        op.execute(f"CREATE TABLE {table}_new (LIKE {table} INCLUDING DEFAULTS"
                   f" INCLUDING CONSTRAINTS) PARTITION BY RANGE ({key})")
    months = _months(oldest)
    for month in [*months, None]:
        for statement in partitions.partition_of_sql(month, parents="_new"):
            op.execute(statement)
    # Rows first, then the indexes and keys: building them over the copy is cheaper than
    # keeping them up row by row.
    op.execute("INSERT INTO deliveries_new SELECT * FROM deliveries")
    op.execute("INSERT INTO delivery_attempts_new SELECT * FROM delivery_attempts")
    op.execute("DROP TABLE delivery_attempts")
    op.execute("DROP TABLE deliveries")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    op.execute("ALTER TABLE deliveries ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id)")
    op.execute("ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_pkey"
               " PRIMARY KEY (delivery_id, id)")
    op.execute("ALTER TABLE delivery_attempts ADD CONSTRAINT uq_attempt_once"
               " UNIQUE (delivery_id, attempt)")
    for name, definition in foreign_keys:
        op.execute(f"ALTER TABLE deliveries ADD CONSTRAINT {name} {definition}")
    for month in months:
        op.execute(partitions.pair_key_sql(month.suffix))
    op.execute(partitions.pair_key_sql("default"))
    for definition in indexes:
        op.execute(definition)
    op.execute("ANALYZE deliveries, delivery_attempts")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        _attempts_key_sqlite(("id",))
        return
    # A partitioned table's index reads "ON ONLY <table>"; a plain one's "ON <table>".
    indexes = [d.replace(" ON ONLY ", " ON ") for d in _index_definitions(bind)]
    foreign_keys = _foreign_keys(bind, "deliveries")
    op.execute("CREATE TABLE deliveries_new (LIKE deliveries INCLUDING DEFAULTS"
               f" INCLUDING CONSTRAINTS) WITH (fillfactor = {partitions.FILLFACTOR})")
    op.execute("CREATE TABLE delivery_attempts_new (LIKE delivery_attempts INCLUDING DEFAULTS"
               " INCLUDING CONSTRAINTS)")
    op.execute("INSERT INTO deliveries_new SELECT * FROM deliveries")
    op.execute("INSERT INTO delivery_attempts_new SELECT * FROM delivery_attempts")
    # Dropping the parents drops every partition with them.
    op.execute("DROP TABLE delivery_attempts")
    op.execute("DROP TABLE deliveries")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    op.execute("ALTER TABLE deliveries ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id)")
    op.execute("ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_pkey"
               " PRIMARY KEY (id)")
    op.execute("ALTER TABLE delivery_attempts ADD CONSTRAINT uq_attempt_once"
               " UNIQUE (delivery_id, attempt)")
    for name, definition in foreign_keys:
        op.execute(f"ALTER TABLE deliveries ADD CONSTRAINT {name} {definition}")
    op.execute("ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_delivery_id_fkey"
               " FOREIGN KEY (delivery_id) REFERENCES deliveries (id)")
    for definition in indexes:
        op.execute(definition)
    op.execute("ANALYZE deliveries, delivery_attempts")


def _months(oldest_id: str | None) -> list[partitions.Month]:
    """From the oldest version 7 delivery's month (this one if none) through the months
    ahead. Older rows (version 4 ids) go to DEFAULT wherever their random text falls."""
    current = partitions.Month.of(utcnow())
    month = current if oldest_id is None else partitions.Month.of(id_time(oldest_id))
    month = min(month, current)
    last = current.next(partitions.MONTHS_AHEAD)
    found = []
    while month <= last:
        found.append(month)
        month = month.next()
    return found


def _index_definitions(bind: sa.Connection) -> list[str]:
    """CREATE INDEX statements of both tables' indexes that no constraint owns (the keys are
    made by their constraints), as the catalogue writes them."""
    return list(bind.execute(sa.text(
        "SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x"
        " WHERE x.indrelid IN (to_regclass('deliveries'), to_regclass('delivery_attempts'))"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        " ORDER BY x.indexrelid")).scalars())


def _foreign_keys(bind: sa.Connection, table: str) -> list[tuple[str, str]]:
    """The table's own foreign keys (not a partition's copy): (name, definition)."""
    return [(row[0], row[1]) for row in bind.execute(sa.text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = to_regclass(:table) AND contype = 'f' ORDER BY conname"),
        {"table": table})]


def _attempts_key_sqlite(key: tuple[str, ...]) -> None:
    """SQLite changes a primary key by rebuilding the table: from this definition."""
    table = sa.Table(
        "delivery_attempts", sa.MetaData(),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('delivery_id', sa.String(length=36), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('started_at', portin.storage.types.UTCDateTime(), nullable=False),
        sa.Column('finished_at', portin.storage.types.UTCDateTime(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('http', sa.JSON(), nullable=True),
        sa.Column('email', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.Column('sent_by', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id']),
        sa.PrimaryKeyConstraint(*key),
        sa.UniqueConstraint('delivery_id', 'attempt', name='uq_attempt_once'))
    with op.batch_alter_table("delivery_attempts", recreate="always", copy_from=table):
        pass
