"""Shared fixtures: real migrated databases (SQLite and PostgreSQL) and API clients over them.

Each test gets an empty, migrated database: SQLite by copying a template file migrated once,
PostgreSQL by truncating the tables of a database created (and migrated) once per run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from portin.api.app import create_app
from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.services import accounts as account_service
from portin.services import signing_keys
from portin.storage import migrations
from portin.storage.db import Database
from portin.storage.models import Base

POSTGRES_URL = os.environ.get("PORTIN_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrations.upgrade(str(path))
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database for this test run (per xdist worker), migrated once. Never skipped:
    a missing PostgreSQL fails the run."""
    name = f"portin_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = POSTGRES_URL.rpartition("/")
    url = f"{base}/{name}"
    migrations.upgrade(url)
    _seeded_rows(url)
    yield url
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The rows the migrations seeded (operator-editable reference tables), per database URL:
# each truncation puts them back, so every test starts from a freshly migrated database.
_SEEDED: dict[str, list[tuple[Any, list[dict[str, Any]]]]] = {}


def _seeded_rows(url: str) -> list[tuple[Any, list[dict[str, Any]]]]:
    if url not in _SEEDED:
        db = Database(url)
        with db.reading() as session:
            _SEEDED[url] = [
                (table, [dict(row) for row in session.execute(table.select()).mappings()])
                for table in Base.metadata.sorted_tables]
        db.dispose()
        _SEEDED[url] = [(table, rows) for table, rows in _SEEDED[url] if rows]
    return _SEEDED[url]


def _empty_postgres(url: str) -> None:
    seeded = _seeded_rows(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    db = Database(url)
    with db.writing() as session:
        session.execute(text(f"TRUNCATE {tables} CASCADE"))
        for table, rows in seeded:
            session.execute(table.insert(), rows)
    db.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "portin.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return str(path)
    url: str = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    return url


@pytest.fixture
def postgres_db(postgres_database: str) -> Iterator[Database]:
    """PostgreSQL only, for what only PostgreSQL does (several workers side by side)."""
    _empty_postgres(postgres_database)
    database = Database(postgres_database)
    yield database
    database.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Loopback receivers are allowed; retries and polls are quick so tests stay short. A
    # test's burst of requests on one key can pass the default 200/second on a fast machine:
    # the per-key limit is raised here, and its own tests (test_rate_limits.py) set theirs.
    return Settings(database_url=database_url, allow_private_webhooks=True,
                    retry_base_seconds=0.05, delivery_timeout_seconds=1.0,
                    worker_poll_seconds=0.05, public_base_url="http://portal.test",
                    rate_limit_per_key="100000/second;1000000/minute")


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings, db)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Tenant:
    organization_id: str
    api_key: str
    public_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def make_tenant(db: Database, name: str = "acme") -> Tenant:
    with db.writing() as session:
        organization = account_service.create_organization(session, name)
        key = account_service.create_api_key(session, "user", organization.id)
        state = signing_keys.key_state(session, organization.id, utcnow())
        return Tenant(organization.id, key, state.current.public_key)


def make_operator_headers(db: Database) -> dict[str, str]:
    with db.writing() as session:
        key = account_service.create_api_key(session, "operator", None)
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def tenant(db: Database) -> Tenant:
    return make_tenant(db, "acme")


@pytest.fixture
def other_tenant(db: Database) -> Tenant:
    return make_tenant(db, "globex")


@pytest.fixture
def operator(db: Database) -> dict[str, str]:
    return make_operator_headers(db)


class Api:
    """Calls as one tenant, with the operator beside it; fails loudly on unexpected codes."""

    def __init__(self, client: TestClient, tenant: Tenant, operator: dict[str, str]) -> None:
        self.client = client
        self.tenant = tenant
        self.operator = operator

    def create_order(self, *numbers: str, reference: str | None = "ref-1",
                     expect: int = 201) -> dict[str, Any]:
        body: dict[str, Any] = {"phone_numbers": list(numbers)}
        if reference is not None:
            body["customer_reference"] = reference
        response = self.client.post("/v2/porting_orders", json=body, headers=self.tenant.headers)
        assert response.status_code == expect, response.text
        return dict(response.json()["data"][0]) if expect == 201 else response.json()

    def user(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=self.tenant.headers, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def op(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=self.operator, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def move(self, order_id: str, value: str, *codes: str, expect: int = 200) -> Any:
        body: dict[str, Any] = {"value": value}
        if codes:
            body["details"] = [{"code": c} for c in codes]
        return self.op("POST", f"/v2/operator/porting_orders/{order_id}/status", expect,
                       json=body)

    def confirm(self, order_id: str, expect: int = 200) -> Any:
        return self.user("POST", f"/v2/porting_orders/{order_id}/actions/confirm", expect)

    def events(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.user("GET", "/v2/porting/events", params=params)["data"])

    def subscribe(self, channel_type: str, destination: str,
                  profile_id: str | None = None) -> dict[str, str]:
        """The seed's portal steps through the API: profile, channel, Port In setting."""
        if profile_id is None:
            profile_id = self.user("POST", "/v2/notification_profiles",
                                   json={"name": "Porting team"})["data"]["id"]
        channel = self.user("POST", "/v2/notification_channels", json={
            "channel_type_id": channel_type, "channel_destination": destination,
            "notification_profile_id": profile_id})["data"]
        condition = self.user("GET", "/v2/notification_event_conditions")["data"][0]
        setting = self.user("POST", "/v2/notification_settings", json={
            "notification_event_condition_id": condition["id"],
            "notification_profile_id": profile_id,
            "notification_channel_id": channel["id"]})["data"]
        return {"profile_id": profile_id, "channel_id": channel["id"],
                "setting_id": setting["id"]}

    def deliveries(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.user("GET", "/v2/webhook_deliveries",
                              params={"page[size]": 250, **params})["data"])


@pytest.fixture
def api(client: TestClient, tenant: Tenant, operator: dict[str, str]) -> Api:
    return Api(client, tenant, operator)
