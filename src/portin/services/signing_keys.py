"""Webhook signing keys: an organization's first key, the keys it shows, rotation.

The seeds stay here and in the worker: nothing returned to a route carries one.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from nacl.signing import SigningKey as Ed25519Key
from sqlalchemy.orm import Session

from portin.domain import signing_keys as rules
from portin.domain.errors import NotFound
from portin.storage import signing_keys
from portin.storage.models import SigningKey


@dataclass(frozen=True)
class PublicKey:
    id: str
    public_key: str
    valid_from: datetime


@dataclass(frozen=True)
class KeyState:
    """What a client needs to verify webhooks: the key signing now and the one announced."""

    current: PublicKey
    next: PublicKey | None


def _public(key: SigningKey) -> PublicKey:
    return PublicKey(key.id, key.public_key, key.valid_from)


def _new_key(organization_id: str, generation: int, valid_from: datetime,
             now: datetime) -> SigningKey:
    made = Ed25519Key.generate()
    return SigningKey(
        id=str(uuid.uuid4()), organization_id=organization_id, generation=generation,
        seed=base64.b64encode(bytes(made)).decode(),
        public_key=base64.b64encode(bytes(made.verify_key)).decode(),
        valid_from=valid_from, created_at=now)


def create_first_key(session: Session, organization_id: str, now: datetime) -> PublicKey:
    key = _new_key(organization_id, 1, now, now)
    signing_keys.add_key(session, key)
    return _public(key)


def _state(keys: list[SigningKey], organization_id: str, now: datetime) -> KeyState:
    current = rules.current(keys, now)
    if current is None:
        raise NotFound(f"Organization {organization_id} has no signing key.")
    upcoming = rules.upcoming(keys, now)
    return KeyState(_public(current), None if upcoming is None else _public(upcoming))


def key_state(session: Session, organization_id: str, now: datetime) -> KeyState:
    return _state(signing_keys.keys_of(session, organization_id), organization_id, now)


def rotate(session: Session, organization_id: str, now: datetime,
           switch_at: datetime) -> KeyState:
    """Announce a new key that takes over at `switch_at`. A rotation already announced and
    not yet switched is a 409 (nothing changes). Rotations of one organization take turns on
    its row lock; should two still race, the unique generation lets only one insert."""
    if not signing_keys.lock_organization(session, organization_id):
        raise NotFound(f"Organization {organization_id} was not found.")
    keys = signing_keys.keys_of(session, organization_id)
    rules.check_rotatable(keys, now)
    generation = max((key.generation for key in keys), default=0) + 1
    signing_keys.add_key(session, _new_key(organization_id, generation, switch_at, now))
    return key_state(session, organization_id, now)


def signing_key_at(session: Session, organization_id: str, now: datetime) -> Ed25519Key:
    """The private key that signs at `now` (the benchmark's and tests' own signatures)."""
    keys = signing_keys.keys_of(session, organization_id)
    current = rules.current(keys, now)
    if current is None:
        raise NotFound(f"Organization {organization_id} has no signing key.")
    return Ed25519Key(base64.b64decode(current.seed))
