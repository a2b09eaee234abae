"""Organizations, their signing keys, and API keys (random, shown once, stored hashed)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from nacl.signing import SigningKey
from sqlalchemy.orm import Session

from portin.domain.errors import Unauthenticated
from portin.domain.timefmt import utcnow
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
    signing_key = SigningKey.generate()
    organization = Organization(
        id=str(uuid.uuid4()),
        name=name,
        signing_seed=base64.b64encode(bytes(signing_key)).decode(),
        public_key=base64.b64encode(bytes(signing_key.verify_key)).decode(),
        created_at=utcnow(),
    )
    accounts.add_organization(session, organization)
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


def authenticate(session: Session, raw_key: str) -> Caller:
    key = accounts.find_key_by_hash(session, hash_key(raw_key))
    if key is None:
        raise Unauthenticated("The API key is not valid.")
    return Caller(kind=key.kind, organization_id=key.organization_id, key_id=key.id)


def signing_key_of(organization: Organization) -> SigningKey:
    return SigningKey(base64.b64decode(organization.signing_seed))
