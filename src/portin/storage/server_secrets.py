"""Secrets of this installation, kept in the database (made once, on first use)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portin.storage.models import ServerSecret


def get_secret(session: Session, name: str) -> bytes | None:
    value = session.execute(select(ServerSecret.value).where(ServerSecret.name == name)
                            ).scalar_one_or_none()
    return None if value is None else bytes(value)


def add_secret_once(session: Session, name: str, value: bytes, now: datetime) -> bytes:
    """Store `value` under `name` unless another transaction stored one first; return the
    secret that is kept (two processes racing on first use agree on one)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(ServerSecret).values(name=name, value=value, created_at=now)
                    .on_conflict_do_nothing(index_elements=["name"]))
    kept = get_secret(session, name)
    assert kept is not None  # inserted just now, or by the transaction that won
    return kept
