"""Rate limits on the real app: per API key, per address for failed authentications and for
portal sign-ins, answered 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis
from fastapi.testclient import TestClient

from portin.api.app import create_app
from portin.config import Settings
from portin.services import accounts
from portin.storage.db import Database
from tests.conftest import make_tenant


@contextmanager
def client_from(settings: Settings, db: Database, address: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db), client=(address, 40000)) as client:
        yield client


def small_limits(settings: Settings, **limits: str) -> Settings:
    return settings.model_copy(update={f"rate_limit_{k}": v for k, v in limits.items()})


def test_a_key_over_its_limit_gets_429_with_retry_after_and_another_key_does_not(
        settings: Settings, db: Database) -> None:
    limited = small_limits(settings, per_key="3/minute")
    busy, quiet = make_tenant(db, "busy"), make_tenant(db, "quiet")
    with client_from(limited, db, "10.0.0.1") as client:
        for _ in range(3):
            assert client.get("/v2/porting_orders", headers=busy.headers).status_code == 200
        refused = client.get("/v2/porting_orders", headers=busy.headers)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        error = refused.json()["errors"][0]
        assert error["code"] == "10011" and error["title"] == "Too many requests."
        assert client.get("/v2/porting_orders", headers=quiet.headers).status_code == 200


def test_limits_can_be_turned_off(settings: Settings, db: Database) -> None:
    off = small_limits(settings, per_key="1/minute").model_copy(
        update={"rate_limit_enabled": False})
    tenant = make_tenant(db)
    with client_from(off, db, "10.0.0.1") as client:
        for _ in range(3):
            assert client.get("/v2/porting_orders", headers=tenant.headers).status_code == 200


def test_a_burst_of_bad_keys_is_refused_at_once_and_other_addresses_still_work(
        settings: Settings, db: Database) -> None:
    limited = small_limits(settings, failed_auth="3/minute")
    tenant = make_tenant(db)
    app = create_app(limited, db)
    with TestClient(app, client=("10.0.0.66", 40000)) as guesser, \
            TestClient(app, client=("10.0.0.7", 40000)) as honest:
        for guess in ("KEYa", "KEYb", "KEYc"):
            answer = guesser.get("/v2/porting_orders", headers={"Authorization": f"Bearer {guess}"})
            assert answer.status_code == 401
        refused = guesser.get("/v2/porting_orders", headers=tenant.headers)  # even a good key
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["errors"][0]["code"] == "10011"
        assert honest.get("/v2/porting_orders", headers=tenant.headers).status_code == 200


def test_a_burst_of_portal_sign_ins_from_one_address_gets_a_429_page(
        settings: Settings, db: Database) -> None:
    limited = small_limits(settings, sign_in="2/minute")
    with client_from(limited, db, "10.0.0.9") as client:
        client.get("/login")
        token = client.cookies["portin_login_csrf"]
        form = {"email": "nobody@example.com", "password": "wrong-password",
                "csrf_token": token}
        assert client.post("/login", data=form).status_code == 401
        assert client.post("/login", data=form).status_code == 401
        refused = client.post("/login", data=form)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("text/html")
        assert "Too many sign-in attempts" in refused.text
        assert int(refused.headers["retry-after"]) >= 1


def test_two_app_instances_share_a_key_limit_through_redis(settings: Settings,
                                                          db: Database) -> None:
    shared = small_limits(settings, per_key="3/minute", storage_url="redis://127.0.0.1:6379/0")
    tenant = make_tenant(db)
    with db.reading() as session:
        key_id = accounts.list_user_keys(session, tenant.organization_id)[0].id
    try:
        with client_from(shared, db, "10.0.0.1") as first, \
                client_from(shared, db, "10.0.0.2") as second:
            for client in (first, second, first):
                assert client.get("/v2/porting_orders", headers=tenant.headers).status_code == 200
            assert second.get("/v2/porting_orders", headers=tenant.headers).status_code == 429
    finally:
        connection = redis.Redis(host="127.0.0.1", port=6379)
        for key in connection.scan_iter(f"*/portin/key/{key_id}/*"):  # only this test's
            connection.delete(key)
        connection.close()
