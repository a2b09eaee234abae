"""Endpoint health through the real worker: a destination that answers 410 or fails for too long
is disabled, its deliveries are kept paused (not attempted, not dropped) and sent oldest first
once it is enabled; the organization is told by email, never through the failing destination;
one organization cannot see or change another's destinations."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from portin.config import Settings
from portin.delivery.alerts import send_waiting_alerts
from portin.delivery.email import EmailSender
from portin.domain.timefmt import utcnow
from portin.services.users import create_user, generate_password
from portin.storage.db import Database
from tests.conftest import Api, Tenant
from tests.support import waiting
from tests.support.receiver import Receiver
from tests.support.smtp import Inbox
from tests.support.worker import running_worker


def wait_for(condition: Any, timeout: float = 20.0) -> Any:
    return waiting.wait_for(condition, timeout)


def destinations(api: Api, **params: Any) -> list[dict[str, Any]]:
    return list(api.user("GET", "/v2/delivery_destinations", params=params)["data"])


def destination(api: Api, url: str) -> dict[str, Any] | None:
    return next((d for d in destinations(api) if d["destination"] == url), None)


def send_alerts(db: Database, settings: Settings, smtp_url: str) -> int:
    return asyncio.run(send_waiting_alerts(db, settings, EmailSender(
        smtp_url, settings.email_from, settings.delivery_timeout_seconds)))


def comment(api: Api, order_id: str, body: str) -> None:
    api.user("POST", f"/v2/porting_orders/{order_id}/comments", 201, json={"body": body})


def test_a_410_disables_at_once_deliveries_wait_paused_and_go_out_oldest_first_on_enable(
        api: Api, db: Database, settings: Settings, receiver: Receiver,
        smtp: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp
    gone = receiver.behave("/gone", status=410)
    api.subscribe("webhook", gone)
    api.subscribe("email", "desk@example.com")
    order = api.create_order("+13032220001")
    # One send at a time to a destination, so arrival order is the order they were sent in.
    worker_settings = settings.model_copy(update={"smtp_url": smtp_url,
                                                  "retry_base_seconds": 0.05,
                                                  "worker_per_endpoint": 1})
    with running_worker(db, worker_settings):
        api.confirm(order["id"])
        disabled = wait_for(lambda: (lambda d: d if d and d["state"] == "disabled" else None)(
            destination(api, gone)))
        assert disabled["disabled_reason"] == "gone"
        assert disabled["last_error"] == "HTTP 410"
        tried = len(receiver.at("/gone"))
        # New events while it is disabled: kept, paused, not attempted.
        for n in range(3):
            comment(api, order["id"], f"while disabled {n}")
        wait_for(lambda: len([d for d in api.deliveries(**{"filter[status][eq]": "paused"})
                              if d["destination"] == gone]) == 3)
        time.sleep(0.3)
        assert len(receiver.at("/gone")) == tried
        assert wait_for(lambda: destination(api, gone))["paused_deliveries"] == 3

        receiver.behave("/gone", status=200)
        enabled = api.user("POST", f"/v2/delivery_destinations/{disabled['id']}/actions/enable")
        assert enabled["data"]["state"] == "healthy"
        assert enabled["data"]["paused_deliveries"] == 0
        arrived = receiver.wait_for("/gone", tried + 3)[tried:]
    bodies = [r.json["data"]["payload"]["comment"]["body"] for r in arrived]
    assert bodies == ["while disabled 0", "while disabled 1", "while disabled 2"]
    assert not [d for d in api.deliveries() if d["status"] == "paused"]

    # The organization is told by email (its email channel), not through the webhook.
    assert send_alerts(db, worker_settings, smtp_url) == 1
    alerts = [m for m in inbox.messages if "disabled" in str(m["Subject"])]
    assert len(alerts) == 1
    assert alerts[0]["To"] == "desk@example.com"
    assert gone in str(alerts[0]["Subject"])
    assert "410 Gone" in alerts[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert send_alerts(db, worker_settings, smtp_url) == 0  # sent once


def test_failing_then_recovered_is_told_twice_and_disabling_after_the_limit(
        api: Api, db: Database, settings: Settings, receiver: Receiver,
        smtp: tuple[Inbox, str], tenant: Tenant) -> None:
    inbox, smtp_url = smtp
    with db.writing() as session:
        create_user(session, tenant.organization_id, "owner@example.com", generate_password(),
                    utcnow())
    flaky = receiver.behave("/flaky", fail_first=3)
    api.subscribe("webhook", flaky)
    order = api.create_order("+13032220001")
    worker_settings = settings.model_copy(update={
        "smtp_url": smtp_url, "retry_base_seconds": 0.05, "endpoint_alert_after_failures": 2})
    with running_worker(db, worker_settings):
        api.confirm(order["id"])
        receiver.wait_for("/flaky", 4)
        healthy = wait_for(lambda: (lambda d: d if d and d["state"] == "healthy" else None)(
            destination(api, flaky)))
    assert healthy["consecutive_failures"] == 0 and healthy["last_success_at"]
    # No email channel: the portal's people are told.
    assert send_alerts(db, worker_settings, smtp_url) == 2
    subjects = [str(m["Subject"]) for m in inbox.messages]
    assert subjects == [f"Deliveries to {flaky} are failing",
                        f"Deliveries to {flaky} work again"]
    assert {m["To"] for m in inbox.messages} == {"owner@example.com"}

    dead = receiver.behave("/dead", status=503)
    api.subscribe("webhook", dead)
    worker_settings = worker_settings.model_copy(update={
        "endpoint_disable_after_seconds": 0.3, "retry_max_attempts": 50})
    with running_worker(db, worker_settings):
        comment(api, order["id"], "to a dead endpoint")
        disabled = wait_for(lambda: (lambda d: d if d and d["state"] == "disabled" else None)(
            destination(api, dead)))
    assert disabled["disabled_reason"] == "failing_too_long"
    assert disabled["failing_since"] is not None
    assert [d["status"] for d in api.deliveries() if d["destination"] == dead] == ["paused"]


def test_disable_and_enable_by_hand_and_another_organization_cannot(
        api: Api, db: Database, settings: Settings, receiver: Receiver,
        other_tenant: Tenant) -> None:
    hook = receiver.url("/ok")
    api.subscribe("webhook", hook)
    order = api.create_order("+13032220001")
    with running_worker(db, settings.model_copy(update={"retry_base_seconds": 0.05})):
        api.confirm(order["id"])
        found = wait_for(lambda: destination(api, hook))
        assert found["state"] == "healthy" and found["method"] == "webhook"
        path = f"/v2/delivery_destinations/{found['id']}"

        # Another organization: not found, and nothing changes.
        for method, suffix in (("GET", ""), ("POST", "/actions/disable"),
                               ("POST", "/actions/enable")):
            response = api.client.request(method, path + suffix, headers=other_tenant.headers)
            assert response.status_code == 404, response.text
            assert response.json()["errors"][0]["code"]
        assert api.client.get("/v2/delivery_destinations",
                              headers=other_tenant.headers).json()["data"] == []
        assert api.user("GET", path)["data"]["state"] == "healthy"

        disabled = api.user("POST", path + "/actions/disable")["data"]
        assert (disabled["state"], disabled["disabled_reason"]) == ("disabled", "by_user")
        assert api.user("POST", path + "/actions/disable")["data"] == disabled  # no change
        before = len(receiver.at("/ok"))
        comment(api, order["id"], "kept")
        wait_for(lambda: api.user("GET", path)["data"]["paused_deliveries"] == 1)
        assert len(receiver.at("/ok")) == before
        listed = api.user("GET", "/v2/delivery_destinations",
                          params={"filter[state]": "disabled"})
        assert [d["id"] for d in listed["data"]] == [found["id"]]
        assert listed["meta"]["total_results"] == 1

        assert api.user("POST", path + "/actions/enable")["data"]["state"] == "healthy"
        receiver.wait_for("/ok", before + 1)
    api.user("GET", "/v2/delivery_destinations/not-an-id", expect=404)
    bad = api.user("GET", "/v2/delivery_destinations", params={"filter[state]": "sleepy"},
                   expect=422)
    assert bad["errors"][0]["source"]
