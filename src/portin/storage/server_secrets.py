"""Queries over server_secrets: read one by name, insert one unless another writer did first."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portin.storage.models import ServerSecret

_secrets = cast(Table, ServerSecret.__table__)
_INSERT: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def get(session: Session, name: str) -> bytes | None:
    value = session.execute(
        select(ServerSecret.value).where(ServerSecret.name == name)).scalar_one_or_none()
    return None if value is None else bytes(value)


def insert_unless_present(session: Session, name: str, value: bytes, now: datetime) -> None:
    """Insert the secret; when another process inserted one first, keep theirs."""
    dialect = session.connection().dialect.name
    session.execute(_INSERT[dialect](_secrets).values(name=name, value=value, created_at=now)
                    .on_conflict_do_nothing(index_elements=[_secrets.c.name]))
