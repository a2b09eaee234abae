"""Webhook signing key rotation (a portin addition): GET /v2/public_key shows the current key
and the announced next one; POST /v2/public_key/actions/rotate announces one, once at a time
(409 while one is announced, also for rotations racing on PostgreSQL); another organization
sees and rotates only its own; the worker signs each webhook with the key current at its send;
seeds never leave the server."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from portin.api.app import create_app
from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.services import signing_keys
from portin.storage.db import Database
from portin.storage.models import SigningKey
from tests.conftest import Api, Tenant, make_tenant
from tests.support.receiver import Receiver, verifies
from tests.support.worker import running_worker

ROTATE = "/v2/public_key/actions/rotate"
FIELDS = {"public_key", "record_type", "key_id", "valid_from", "next_public_key",
          "next_key_id", "switch_at"}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def seeds(db: Database) -> list[str]:
    with db.reading() as session:
        return [key.seed for key in session.query(SigningKey)]


def no_seed_in(db: Database, *answers: httpx.Response) -> None:
    every_seed = seeds(db)
    assert every_seed
    for answer in answers:
        assert not any(seed in answer.text for seed in every_seed)


def test_the_public_key_is_the_current_one_with_nothing_announced(api: Api) -> None:
    data = api.user("GET", "/v2/public_key")["data"]
    assert set(data) == FIELDS
    assert data["public_key"] == api.tenant.public_key and data["record_type"] == "public_key"
    assert data["next_public_key"] is data["next_key_id"] is data["switch_at"] is None
    assert _time(data["valid_from"]) <= utcnow()


def test_a_rotation_is_announced_a_day_ahead_and_a_second_one_is_a_409(
        api: Api, client: TestClient, db: Database) -> None:
    before = utcnow()
    answer = client.post(ROTATE, headers=api.tenant.headers)
    assert answer.status_code == 201, answer.text
    data = answer.json()["data"]
    assert data["public_key"] == api.tenant.public_key  # still signing until the switch
    assert data["next_public_key"] not in (None, api.tenant.public_key)
    switch_at = _time(data["switch_at"])
    assert before + timedelta(hours=24) <= switch_at <= utcnow() + timedelta(hours=24)
    shown = client.get("/v2/public_key", headers=api.tenant.headers)
    assert shown.json()["data"] == data

    for body in (None, {"immediately": True}, {"announce_seconds": 60}):
        again = client.post(ROTATE, headers=api.tenant.headers, json=body)
        assert again.status_code == 409, again.text
        (error,) = again.json()["errors"]
        assert error["code"] == "10011" and "already announced" in error["detail"]
    assert client.get("/v2/public_key", headers=api.tenant.headers).json()["data"] == data
    assert len(seeds(db)) == 2
    no_seed_in(db, answer, shown, again)


def test_the_request_says_when_or_the_setting_does(api: Api, settings: Settings,
                                                   db: Database, other_tenant: Tenant) -> None:
    soon = api.user("POST", ROTATE, 201, json={"announce_seconds": 60})["data"]
    assert abs((_time(soon["switch_at"]) - utcnow()).total_seconds() - 60) < 5
    now = api.user("POST", "/v2/public_key/actions/rotate", 409, json={"immediately": True})
    assert now["errors"][0]["code"] == "10011"

    hourly = settings.model_copy(update={"signing_key_announce_seconds": 3600})
    with TestClient(create_app(hourly, db)) as client:
        data = client.post(ROTATE, headers=other_tenant.headers).json()["data"]
    assert abs((_time(data["switch_at"]) - utcnow()).total_seconds() - 3600) < 5


def test_rotating_immediately_or_at_a_time(client: TestClient, db: Database) -> None:
    first, second = make_tenant(db, "one"), make_tenant(db, "two")
    data = client.post(ROTATE, headers=first.headers, json={"immediately": True}).json()["data"]
    assert 2 <= (_time(data["switch_at"]) - utcnow()).total_seconds() <= 3
    at = (utcnow() + timedelta(hours=5)).replace(microsecond=0)
    data = client.post(ROTATE, headers=second.headers,
                       json={"switch_at": at.isoformat()}).json()["data"]
    assert _time(data["switch_at"]) == at


def test_bad_rotations_are_422_and_change_nothing(api: Api, client: TestClient,
                                                  db: Database) -> None:
    soon = (utcnow() + timedelta(hours=1)).isoformat()
    for body in ({"immediately": True, "switch_at": soon},
                 {"immediately": True, "announce_seconds": 60},
                 {"switch_at": soon, "announce_seconds": 60},
                 {"switch_at": utcnow().isoformat()},
                 {"switch_at": (utcnow() - timedelta(days=1)).isoformat()},
                 {"switch_at": (utcnow() + timedelta(days=40)).isoformat()},
                 {"switch_at": "2026-12-24T09:00:00"},  # no time zone
                 {"announce_seconds": 2}, {"announce_seconds": "60"},
                 {"announce_seconds": 10**12}, {"immediately": "yes"},
                 {"immediately": 1}, {"seed": "mine"}):
        answer = client.post(ROTATE, headers=api.tenant.headers, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["errors"][0]["code"] == "10015"
    assert api.user("GET", "/v2/public_key")["data"]["next_public_key"] is None
    assert len(seeds(db)) == 1


def test_the_next_key_takes_over_at_the_switch(db: Database, tenant: Tenant) -> None:
    now = utcnow()
    with db.writing() as session:
        state = signing_keys.rotate(session, tenant.organization_id, now,
                                    now + timedelta(hours=1))
    assert state.next is not None
    later = now + timedelta(hours=1, seconds=1)
    with db.writing() as session:
        switched = signing_keys.key_state(session, tenant.organization_id, later)
        assert switched.current == state.next and switched.next is None
        # Switched: a rotation is allowed again, from the new key on.
        again = signing_keys.rotate(session, tenant.organization_id, later,
                                    later + timedelta(hours=1))
    assert again.current == state.next and again.next is not None
    assert again.next.public_key not in (state.current.public_key, state.next.public_key)


def test_organizations_see_and_rotate_only_their_own_keys(
        api: Api, client: TestClient, other_tenant: Tenant, operator: dict[str, str]) -> None:
    theirs = client.post(ROTATE, headers=other_tenant.headers).json()["data"]
    assert theirs["public_key"] == other_tenant.public_key
    mine = api.user("GET", "/v2/public_key")["data"]
    assert mine["public_key"] == api.tenant.public_key and mine["next_public_key"] is None
    # Their announced rotation does not stop mine.
    ours = api.user("POST", ROTATE, 201)["data"]
    assert ours["next_public_key"] != theirs["next_public_key"]
    assert client.get("/v2/public_key", headers=other_tenant.headers).json()["data"] == theirs
    assert client.post(ROTATE, headers=operator).status_code == 403
    assert client.post(ROTATE).status_code == 401


def at_once(client: TestClient, headers: dict[str, str], count: int) -> list[httpx.Response]:
    """`count` rotations sent together, each from a thread of its own."""
    answers: list[httpx.Response] = []
    start = threading.Barrier(count)

    def rotate() -> None:
        start.wait()
        answers.append(client.post(ROTATE, headers=headers))

    threads = [threading.Thread(target=rotate) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_rotations_racing_on_postgresql_do_not_both_succeed(postgres_db: Database) -> None:
    settings = Settings(database_url=postgres_db.url, rate_limit_enabled=False)
    tenant = make_tenant(postgres_db)
    for round_ in range(3):
        if round_:  # let the announced key take over, so the next round may rotate
            with postgres_db.writing() as session:
                for key in session.query(SigningKey):
                    key.valid_from = min(key.valid_from, utcnow() - timedelta(seconds=1))
        with TestClient(create_app(settings, postgres_db)) as client:
            answers = at_once(client, tenant.headers, 4)
        codes = sorted(answer.status_code for answer in answers)
        assert codes == [201, 409, 409, 409], [a.text for a in answers]
        assert len(seeds(postgres_db)) == 2 + round_


def test_the_worker_signs_with_the_key_current_at_each_send(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    api.subscribe("webhook", receiver.url("/hook"))
    old = api.tenant.public_key

    def comment(text: str, count: int) -> Any:
        api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201, json={"body": text})
        return receiver.wait_for("/hook", count)[count - 1]

    order = api.create_order("+13032220001")
    with running_worker(db, settings):
        before = comment("before", 1)  # the worker now holds the organization's keys
        rotated = api.user("POST", ROTATE, 201, json={"immediately": True})["data"]
        new = rotated["next_public_key"]
        during = comment("announced", 2)  # before the switch: still the old key
        assert utcnow() < _time(rotated["switch_at"])
        time.sleep(max(0.0, (_time(rotated["switch_at"]) - utcnow()).total_seconds()) + 0.05)
        after = comment("switched", 3)
    assert verifies(before, old) and verifies(during, old)
    assert not verifies(during, new)
    assert verifies(after, new) and not verifies(after, old)
    assert api.user("GET", "/v2/public_key")["data"]["public_key"] == new
