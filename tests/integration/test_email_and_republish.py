"""Email notifications through a real SMTP server, and republishing to what is subscribed now."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from portin.config import Settings
from portin.storage.db import Database
from tests.conftest import Api, Tenant
from tests.support import waiting
from tests.support.receiver import Receiver
from tests.support.smtp import Inbox
from tests.support.worker import running_worker


def n(i: int) -> str:
    return f"+1303222{i:04d}"


def wait_for(condition: Any, timeout: float = 15.0) -> Any:
    return waiting.wait_for(condition, timeout)


def test_exception_email_names_every_reason_in_words(
        api: Api, db: Database, settings: Settings, smtp: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp
    api.subscribe("email", "desk@example.com")
    order = api.create_order(n(1), reference="alpha-7")
    with running_worker(db, settings.model_copy(update={"smtp_url": smtp_url,
                                                        "email_from": "portin@example.net"})):
        confirmed = api.confirm(order["id"])["data"]
        api.move(order["id"], "submitted")
        api.move(order["id"], "exception", "ACCOUNT_NUMBER_MISMATCH", "LOA_ILLEGIBLE")
        wait_for(lambda: len(inbox.messages) >= 3)
        deliveries = wait_for(lambda: [d for d in api.deliveries()
                                       if d["status"] == "delivered"][:3])
    message = next(m for m in inbox.messages if "on hold" in str(m["Subject"]))
    assert message["To"] == "desk@example.com"
    assert message["From"] == "portin@example.net"
    assert "alpha-7" in str(message["Subject"])
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for body in (text, html):
        assert "Account number does not match that on the CSR" in body
        assert "The LOA is illegible" in body
        assert confirmed["support_key"] in body
        assert f"http://portal.test/orders/{order['id']}" in body
    email_delivery = deliveries[0]
    assert email_delivery["method"] == "email"
    assert email_delivery["attempts"][0]["http"] is None
    assert email_delivery["attempts"][0]["email"]["to"] == "desk@example.com"
    assert email_delivery["attempts"][0]["email"]["smtp_code"] == 250
    assert api.events()[0]["available_notification_methods"] == ["email"]


def test_comment_split_messaging_and_deleted_emails(
        api: Api, db: Database, settings: Settings, smtp: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp
    api.subscribe("email", "desk@example.com")
    order = api.create_order(n(1), n(2), reference="bravo")
    api.user("PATCH", f"/v2/porting_orders/{order['id']}",
             json={"messaging": {"enable_messaging": True}})
    draft = api.create_order(n(3), reference="drafty")
    with running_worker(db, settings.model_copy(update={"smtp_url": smtp_url})):
        api.confirm(order["id"])
        api.op("POST", f"/v2/operator/porting_orders/{order['id']}/comments", 201,
               json={"body": "Please send a newer bill."})
        api.op("POST", f"/v2/operator/porting_orders/{order['id']}/split", 201,
               json={"phone_numbers": [n(2)]})
        api.op("POST", f"/v2/operator/porting_orders/{order['id']}/messaging",
               json={"messaging_port_status": "exception"})
        api.user("DELETE", f"/v2/porting_orders/{draft['id']}", 204)
        wait_for(lambda: len(inbox.messages) >= 5)
    texts = {str(m["Subject"]): m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
             for m in inbox.messages}
    comment = next(t for s, t in texts.items() if "comment" in s)
    assert "Please send a newer bill." in comment
    split = next(t for s, t in texts.items() if "moved to a new order" in s)
    assert n(2) in split
    messaging = next(t for s, t in texts.items() if "messaging" in s)
    assert "could not be activated" in messaging
    deleted = next(t for s, t in texts.items() if "deleted" in s)
    assert "drafty" in deleted


def test_refused_recipient_fails_the_email_delivery(
        api: Api, db: Database, settings: Settings, smtp: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp
    inbox.refuse_code = 550
    api.subscribe("email", "nobody@example.com")
    with running_worker(db, settings.model_copy(update={"smtp_url": smtp_url})):
        api.confirm(api.create_order(n(1))["id"])
        delivery = wait_for(lambda: [d for d in api.deliveries()
                                     if d["status"] == "failed"])[0]
    assert delivery["attempts"][0]["email"]["smtp_code"] == 550
    assert inbox.messages == []


def test_republish_goes_to_the_channels_subscribed_now(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    old = api.subscribe("webhook", receiver.url("/old"))
    order = api.create_order(n(1))
    api.user("PATCH", f"/v2/porting_orders/{order['id']}",
             json={"webhook_url": receiver.url("/order-v1")})
    with running_worker(db, settings):
        api.confirm(order["id"])
        receiver.wait_for("/old", 1)
        receiver.wait_for("/order-v1", 1)
        event = api.events()[0]
        # The customer moves things around: old channel gone, a new one, a new order URL.
        api.user("DELETE", f"/v2/notification_channels/{old['channel_id']}")
        api.subscribe("webhook", receiver.url("/new"), profile_id=old["profile_id"])
        api.user("PATCH", f"/v2/porting_orders/{order['id']}",
                 json={"webhook_url": receiver.url("/order-v2")})
        response = api.client.post(f"/v2/porting/events/{event['id']}/republish",
                                   headers=api.tenant.headers)
        assert response.status_code == 204 and response.content == b""
        new = receiver.wait_for("/new", 1)
        v2 = receiver.wait_for("/order-v2", 1)
        time.sleep(0.3)
    assert len(receiver.at("/old")) == 1
    assert len(receiver.at("/order-v1")) == 1
    for hit in new + v2:
        assert hit.event_id == event["id"]
        assert hit.attempt == 1
    assert len(api.events()) == 1  # no new event
    republished = [d for d in api.deliveries() if d["republished"]]
    assert sorted(d["destination"] for d in republished) == [receiver.url("/new"),
                                                             receiver.url("/order-v2")]


def test_republish_can_be_narrowed(api: Api, db: Database, settings: Settings,
                                   receiver: Receiver) -> None:
    first = api.subscribe("webhook", receiver.url("/a"))
    second = api.subscribe("webhook", receiver.url("/b"), profile_id=first["profile_id"])
    order = api.create_order(n(1))
    api.user("PATCH", f"/v2/porting_orders/{order['id']}",
             json={"webhook_url": receiver.url("/order")})
    api.confirm(order["id"])
    event_id = api.events()[0]["id"]
    path = f"/v2/porting/events/{event_id}/republish"
    api.user("POST", path, 204, json={"notification_channel_id": second["channel_id"]})
    api.user("POST", path, 204, json={"webhook_url_only": True})
    with running_worker(db, settings):
        receiver.wait_for("/b", 2)
        receiver.wait_for("/order", 2)
        time.sleep(0.3)
    assert len(receiver.at("/a")) == 1  # only the original delivery
    api.user("POST", path, 422, json={"notification_channel_id": "nope"})


def test_republish_of_unknown_or_foreign_event_is_404(api: Api, client: TestClient,
                                                      other_tenant: Tenant) -> None:
    api.confirm(api.create_order(n(1))["id"])
    event_id = api.events()[0]["id"]
    assert client.post(f"/v2/porting/events/{event_id}/republish",
                       headers=other_tenant.headers).status_code == 404
    api.user("POST", "/v2/porting/events/0b7c1b9e-0000-4000-8000-000000000000/republish",
             404)
