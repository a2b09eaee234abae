"""Organizations and their API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portin.storage.models import ApiKey, Organization


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
