"""Migration 0015 moves each organization's one signing key into signing_keys (its first key,
valid since the organization was made) and back on downgrade, on both databases."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from nacl.signing import SigningKey
from sqlalchemy import create_engine, text

from portin.config import sqlalchemy_url
from portin.domain.timefmt import utcnow
from portin.services import signing_keys
from portin.storage.db import Database
from portin.storage.migrations import alembic_config
from tests.conftest import POSTGRES_URL

PG_NAME = "portin_wip_keys_migration"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, not yet migrated."""
    if request.param == "sqlite":
        yield str(tmp_path / "old.db")
        return
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    yield f"{POSTGRES_URL.rpartition('/')[0]}/{PG_NAME}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')


def test_an_organizations_key_becomes_its_first_signing_key_and_back(empty_url: str) -> None:
    command.upgrade(alembic_config(empty_url), "0009")
    key = SigningKey.generate()
    seed = base64.b64encode(bytes(key)).decode()
    public = base64.b64encode(bytes(key.verify_key)).decode()
    engine = create_engine(sqlalchemy_url(empty_url))
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO organizations (id, name, signing_seed, public_key, created_at)"
            " VALUES ('org-1', 'old', :seed, :public, :created)"),
            {"seed": seed, "public": public, "created": "2026-01-02 03:04:05.000000"})
    command.upgrade(alembic_config(empty_url), "head")

    db = Database(empty_url)
    with db.reading() as session:
        state = signing_keys.key_state(session, "org-1", utcnow())
        signer = signing_keys.signing_key_at(session, "org-1", utcnow())
    db.dispose()
    assert state.current.public_key == public and state.next is None
    assert state.current.valid_from.isoformat() == "2026-01-02T03:04:05+00:00"
    assert bytes(signer) == bytes(key)

    command.downgrade(alembic_config(empty_url), "0009")
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT signing_seed, public_key FROM organizations")).one()
    engine.dispose()
    assert tuple(row) == (seed, public)
