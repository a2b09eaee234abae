"""Alembic environment: migrate the database named in the config, online only."""

from __future__ import annotations

from alembic import context

from portin.storage.db import _make_engine
from portin.storage.models import Base
from portin.storage.partitions import include_name

config = context.config
engine = _make_engine(config.get_main_option("sqlalchemy.url") or "")

with engine.connect() as connection:
    # The partitions of deliveries and attempts come and go with the months: not in the models.
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=engine.dialect.name == "sqlite", include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
