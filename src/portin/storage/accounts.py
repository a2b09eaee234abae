"""Organizations and their API keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portin.outbox.spelling import SPELLINGS
from portin.storage.models import ApiKey, Organization

# Every API request looks its key up: on the driver's own connection, where an ORM session
# and its transaction would cost several times the query itself (bench/api.py).
_KEY_OWNER = {name: spelling.parameters(
    "SELECT id, kind, organization_id FROM api_keys"
    " WHERE key_hash = :key_hash AND revoked_at IS NULL") for name, spelling in SPELLINGS.items()}


def add_organization(session: Session, organization: Organization) -> None:
    session.add(organization)
    session.flush()


def add_api_key(session: Session, key: ApiKey) -> None:
    session.add(key)
    session.flush()


def find_key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.execute(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    ).scalar_one_or_none()


def find_key_owner(connection: Any, dialect_name: str, key_hash: str) -> Any | None:
    """The unrevoked key's id, kind and organization_id (read by name), on a driver
    connection (`Database.driver_reading`); None for no such key."""
    cursor = SPELLINGS[dialect_name].named_cursor(connection)
    try:
        cursor.execute(_KEY_OWNER[dialect_name], {"key_hash": key_hash})
        return cursor.fetchone()
    finally:
        cursor.close()


def get_organization(session: Session, organization_id: str) -> Organization | None:
    return session.get(Organization, organization_id)


def find_organization_by_name(session: Session, name: str) -> Organization | None:
    return session.execute(
        select(Organization).where(Organization.name == name).order_by(Organization.created_at)
    ).scalars().first()


def list_keys(session: Session, organization_id: str) -> list[ApiKey]:
    return list(session.execute(
        select(ApiKey).where(ApiKey.organization_id == organization_id)
        .order_by(ApiKey.created_at, ApiKey.id)).scalars())


def get_key(session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)
