"""This installation's own secrets (the key that signs sharing tokens), kept in the database
so every process of one installation shares them. Made on first use; never logged."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from portin.domain.timefmt import utcnow
from portin.storage import server_secrets as secret_store

# 512 bits: HMAC-SHA256 keys gain nothing past the hash's block size (64 bytes).
SECRET_BYTES = 64


def get_or_create(session: Session, name: str) -> bytes:
    """The secret called `name`, made now if there is none yet (in the caller's write
    transaction). Two processes making it at once end up with the same one: the second
    insert does nothing and both read the first."""
    value = secret_store.get(session, name)
    if value is not None:
        return value
    secret_store.insert_unless_present(session, name, secrets.token_bytes(SECRET_BYTES),
                                       utcnow())
    value = secret_store.get(session, name)
    assert value is not None  # inserted above, by this transaction or another
    return value
