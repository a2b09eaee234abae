"""Read transactions on PostgreSQL: READ ONLY, and ended so that a connection keeps the
statements psycopg has prepared on it (a rollback there forgets them all)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import func, insert, make_url, select
from sqlalchemy.exc import InternalError

from portin.domain.errors import NotFound, Unauthenticated
from portin.domain.timefmt import utcnow
from portin.services.accounts import authenticate
from portin.storage.db import Database
from portin.storage.models import Organization
from tests.support.tcp_proxy import TcpProxy

# psycopg prepares a statement on a connection at its sixth run there.
RUNS_TO_PREPARE = 6


@pytest.fixture
def one_connection(postgres_database: str) -> Iterator[Database]:
    """Its own pool, used one statement at a time: every block below gets the same
    connection, the one whose prepared statements are looked at."""
    db = Database(postgres_database)
    yield db
    db.dispose()


def prepared_statements(db: Database) -> list[str]:
    with db.driver_reading() as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def count_organizations(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(Organization)) or 0


def test_a_read_session_keeps_the_connections_prepared_statements(
        one_connection: Database) -> None:
    for _ in range(RUNS_TO_PREPARE + 1):
        count_organizations(one_connection)
    prepared = prepared_statements(one_connection)
    assert any("count(*)" in statement and "organizations" in statement
               for statement in prepared), prepared


def test_a_write_in_a_read_session_fails_and_keeps_nothing(one_connection: Database) -> None:
    before = count_organizations(one_connection)
    with pytest.raises(InternalError, match="read-only transaction"), \
            one_connection.reading() as session:
        session.execute(insert(Organization).values(
            id="read-only-probe", name="probe", created_at=utcnow()))
    assert count_organizations(one_connection) == before
    with one_connection.writing() as session:  # the pooled connection writes again
        session.execute(insert(Organization).values(
            id="after-the-probe", name="after", created_at=utcnow()))
    assert count_organizations(one_connection) == before + 1


def test_a_bad_keys_lookup_keeps_the_connections_prepared_statements(
        one_connection: Database) -> None:
    for _ in range(RUNS_TO_PREPARE + 1):
        with pytest.raises(Unauthenticated), one_connection.driver_reading() as connection:
            authenticate(connection, one_connection.dialect_name, "KEYnot-a-real-key")
    prepared = prepared_statements(one_connection)
    assert any("api_keys" in statement for statement in prepared), prepared


def test_a_read_that_answers_not_found_keeps_the_connections_prepared_statements(
        one_connection: Database) -> None:
    def find_no_organization() -> None:
        with one_connection.reading() as session:
            if not session.scalar(select(Organization.id).where(Organization.id == "none")):
                raise NotFound("no such organization")

    for _ in range(RUNS_TO_PREPARE + 1):
        with pytest.raises(NotFound):
            find_no_organization()
    prepared = prepared_statements(one_connection)
    assert any("organizations" in statement for statement in prepared), prepared


def test_a_driver_read_whose_connection_is_lost_before_its_commit_logs_no_traceback(
        postgres_database: str, caplog: pytest.LogCaptureFixture) -> None:
    """In an outage the commit that ends a driver read can be the statement that fails. The
    connection must then be dropped quietly: the pool's own reset of it would log a traceback
    for every such request (the outage must be a line per request)."""
    url = make_url(postgres_database)
    with TcpProxy(url.port or 5432).running() as proxy:
        db = Database(url.set(port=proxy.port).render_as_string(hide_password=False))

        def read_then_lose_the_connection() -> None:
            with db.driver_reading() as connection:
                connection.cursor().execute("SELECT 1")
                proxy.cut()

        try:
            caplog.clear()
            with caplog.at_level(logging.WARNING), pytest.raises(psycopg.OperationalError):
                read_then_lose_the_connection()
            assert [record for record in caplog.records if record.exc_info] == []
            proxy.restore()
            with db.driver_reading() as connection:  # the lost connection is not handed out
                cursor = connection.cursor()
                cursor.execute("SELECT 1")
                assert cursor.fetchall() == [(1,)]
        finally:
            db.dispose()
