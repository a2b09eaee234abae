"""An organization's webhook signing keys (rows of signing_keys)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portin.storage.models import Organization, SigningKey


def add_key(session: Session, key: SigningKey) -> None:
    session.add(key)
    session.flush()


def keys_of(session: Session, organization_id: str) -> list[SigningKey]:
    """Every key of the organization, oldest first."""
    return list(session.execute(
        select(SigningKey).where(SigningKey.organization_id == organization_id)
        .order_by(SigningKey.generation)).scalars())


def lock_organization(session: Session, organization_id: str) -> bool:
    """Take the organization's row lock (PostgreSQL; SQLite's write transaction is exclusive
    already), so rotations of one organization take turns. False if there is no such
    organization."""
    return session.execute(
        select(Organization.id).where(Organization.id == organization_id).with_for_update()
    ).scalar_one_or_none() is not None
