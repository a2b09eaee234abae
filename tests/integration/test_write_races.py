"""A write that loses a race on a unique constraint answers 409, never 500.

Two requests at once can both find a key free and both insert it (on PostgreSQL, whose
writers do not queue); the database's constraint stops the second. The route here makes the
real database raise that error by inserting one key twice."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from portin.api.app import create_app
from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.storage.db import Database
from portin.storage.models import ServerSecret


def test_a_unique_constraint_lost_to_a_concurrent_write_is_a_409(
        settings: Settings, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(settings, db)

    @app.post("/v2/race")
    def race() -> None:
        with db.writing() as session:
            for _ in range(2):  # what two concurrent requests would do
                session.add(ServerSecret(name="same", value=b"x", created_at=utcnow()))
                session.flush()

    with TestClient(app, raise_server_exceptions=False) as client, \
            caplog.at_level(logging.WARNING, logger="portin"):
        answer = client.post("/v2/race")
    assert answer.status_code == 409, answer.text
    (error,) = answer.json()["errors"]
    assert error["code"] == "10011" and "at the same time" in error["detail"]
    assert any("conflicted with a concurrent one" in r.getMessage() for r in caplog.records)
    with db.reading() as session:
        assert session.get(ServerSecret, "same") is None  # nothing was kept
