"""Organizations (made with their first signing key), and API keys (random, shown once,
stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portin.domain.errors import NotFound, Unauthenticated
from portin.domain.timefmt import utcnow
from portin.services import signing_keys
from portin.storage import accounts
from portin.storage.models import ApiKey, Organization

USER_KEY_PREFIX = "KEY"
OPERATOR_KEY_PREFIX = "OPK"


@dataclass(frozen=True)
class Caller:
    """Who is calling: an organization's user key, or an operator key (organization None)."""

    kind: str  # "user" or "operator"
    organization_id: str | None
    key_id: str


def hash_key(raw_key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_organization(session: Session, name: str) -> Organization:
    """An organization with its first webhook signing key (see services/signing_keys.py)."""
    now = utcnow()
    organization = Organization(id=str(uuid.uuid4()), name=name, created_at=now)
    accounts.add_organization(session, organization)
    signing_keys.create_first_key(session, organization.id, now)
    return organization


def create_api_key(session: Session, kind: str, organization_id: str | None) -> str:
    """Make a key and return it; this is the only time the key itself exists anywhere."""
    prefix = USER_KEY_PREFIX if kind == "user" else OPERATOR_KEY_PREFIX
    raw_key = prefix + secrets.token_urlsafe(32)
    accounts.add_api_key(session, ApiKey(
        id=str(uuid.uuid4()), organization_id=organization_id, kind=kind,
        key_hash=hash_key(raw_key), prefix=raw_key[:8], created_at=utcnow(), revoked_at=None,
    ))
    return raw_key


@dataclass(frozen=True)
class IssuedKey:
    id: str
    prefix: str
    api_key: str  # the secret itself, shown this once


def issue_user_key(session: Session, organization_id: str) -> IssuedKey:
    """An additional key for an organization (for rotation: issue, switch, revoke the old)."""
    if accounts.get_organization(session, organization_id) is None:
        raise NotFound(f"Organization {organization_id} was not found.")
    raw_key = create_api_key(session, "user", organization_id)
    key = accounts.find_key_by_hash(session, hash_key(raw_key))
    assert key is not None
    return IssuedKey(key.id, key.prefix, raw_key)


def list_user_keys(session: Session, organization_id: str) -> list[ApiKey]:
    if accounts.get_organization(session, organization_id) is None:
        raise NotFound(f"Organization {organization_id} was not found.")
    return accounts.list_keys(session, organization_id)


def revoke_key(session: Session, key_id: str, organization_id: str | None = None) -> ApiKey:
    """Revoke a key by its id; from then on it answers 401. With organization_id, only a key
    of that organization (the portal's case). Revoking twice keeps the first time."""
    key = accounts.get_key(session, key_id)
    if key is None or (organization_id is not None and key.organization_id != organization_id):
        raise NotFound(f"API key {key_id} was not found.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def revoke_raw_key(session: Session, raw_key: str) -> ApiKey:
    key = accounts.find_key_by_hash(session, hash_key(raw_key))
    if key is None:
        raise NotFound("No active API key matches.")
    return revoke_key(session, key.id)


def authenticate(connection: Any, dialect_name: str, raw_key: str) -> Caller:
    """The key's owner, looked up on a driver connection (the API's per-request lookup)."""
    key = accounts.find_key_owner(connection, dialect_name, hash_key(raw_key))
    if key is None:
        raise Unauthenticated("The API key is not valid.")
    return Caller(kind=key["kind"], organization_id=key["organization_id"], key_id=key["id"])

