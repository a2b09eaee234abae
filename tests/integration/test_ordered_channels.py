"""Ordered channels (portin): one order's deliveries to such a channel go out one at a time, in
the order of their events; other orders and other channels are not held up, and a failed
(given up) earlier delivery releases the later ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import telnyx
from fastapi.testclient import TestClient
from sqlalchemy import select

from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.outbox.queue import DeliveryQueue
from portin.outbox.rows import AttemptRecord, Claimed
from portin.storage.db import Database
from portin.storage.models import Delivery
from tests.conftest import Api, Tenant
from tests.integration.test_security_headers import _hidden_token, _sign_in
from tests.support import waiting
from tests.support.receiver import Receiver
from tests.support.worker import running_worker


def subscribe(api: Api, destination: str, ordered: bool) -> str:
    """A profile, a channel (ordered or not) and its Port In setting; the channel's id."""
    profile = api.user("POST", "/v2/notification_profiles", json={"name": "team"})["data"]
    channel = api.user("POST", "/v2/notification_channels", json={
        "channel_type_id": "webhook", "channel_destination": destination,
        "notification_profile_id": profile["id"], "ordered": ordered})["data"]
    assert channel["ordered"] is ordered
    condition = api.user("GET", "/v2/notification_event_conditions")["data"][0]
    api.user("POST", "/v2/notification_settings", json={
        "notification_event_condition_id": condition["id"],
        "notification_profile_id": profile["id"], "notification_channel_id": channel["id"]})
    return str(channel["id"])


def two_events(api: Api, number: str = "+13032220001") -> tuple[str, list[str]]:
    """An order with two events written one after the other (confirm, then a comment)."""
    order = api.create_order(number)
    api.confirm(order["id"])
    api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201, json={"body": "hi"})
    events = api.events(**{"filter[porting_order_id]": order["id"]})
    return order["id"], [e["id"] for e in reversed(events)]  # oldest first


def settled(api: Api, count: int) -> list[dict[str, Any]]:
    def done() -> list[dict[str, Any]] | None:
        found = api.deliveries()
        return found if len(found) >= count and all(
            d["status"] != "pending" for d in found) else None
    return list(waiting.wait_for(done, 30))


def test_a_later_event_waits_for_the_earlier_one_being_retried(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    ordered_url = receiver.behave("/ordered", fail_first=2)
    plain_url = receiver.url("/plain")
    subscribe(api, ordered_url, ordered=True)
    subscribe(api, plain_url, ordered=False)
    _, (first, second) = two_events(api)
    # Both events are due when the worker starts: the claim itself must hold the second.
    worker_settings = settings.model_copy(update={"retry_base_seconds": 0.2,
                                                  "retry_max_attempts": 5})
    with running_worker(db, worker_settings):
        ordered = receiver.wait_for("/ordered", 4)
        plain = receiver.wait_for("/plain", 2)
        settled(api, 4)
    assert [(r.event_id, r.answered) for r in ordered] == [
        (first, 500), (first, 500), (first, 200), (second, 200)]
    assert ordered[3].at >= ordered[2].at
    # The channel that is not ordered got both at once, while the first was being retried.
    assert {r.event_id for r in plain} == {first, second}
    assert max(r.at for r in plain) < ordered[2].at
    by_event = {d["event_id"]: d for d in api.deliveries() if d["destination"] == ordered_url}
    assert by_event[first]["attempt_count"] == 3
    assert by_event[second]["attempt_count"] == 1
    assert {d["status"] for d in by_event.values()} == {"delivered"}


def test_a_failed_earlier_delivery_releases_the_later_one(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    ordered_url = receiver.behave("/ordered", fail_first=2)
    subscribe(api, ordered_url, ordered=True)
    _, (first, second) = two_events(api)
    worker_settings = settings.model_copy(update={"retry_base_seconds": 0.05,
                                                  "retry_max_attempts": 2})
    with running_worker(db, worker_settings):
        got = receiver.wait_for("/ordered", 3)
        settled(api, 2)
    assert [(r.event_id, r.answered) for r in got] == [
        (first, 500), (first, 500), (second, 200)]
    status = {d["event_id"]: d["status"] for d in api.deliveries()}
    assert status == {first: "failed", second: "delivered"}


# -- the claim itself, straight against the database ----------------------------------------
def claim(db: Database, limit: int = 100) -> list[Claimed]:
    now = utcnow()
    with db.driver_writing() as connection:
        return DeliveryQueue(connection, db.engine.dialect.name).claim(
            "w", now, now + timedelta(seconds=30), limit, 100, {})


def any_due(db: Database) -> bool:
    with db.driver_reading() as connection:
        return DeliveryQueue(connection, db.engine.dialect.name).any_due(utcnow())


def record(db: Database, claimed: Claimed, delivery_status: str) -> None:
    now = utcnow()
    retry_at = now + timedelta(hours=1) if delivery_status == "pending" else None
    with db.driver_writing() as connection:
        DeliveryQueue(connection, db.engine.dialect.name).record("w", [AttemptRecord(
            claimed=claimed, status="delivered" if delivery_status == "delivered" else "failed",
            delivery_status=delivery_status, next_attempt_at=retry_at, started_at=now,
            finished_at=now, duration_ms=1, http=None, email=None, error=None, errors=[])])


def test_the_claim_holds_only_the_same_order_on_the_same_ordered_channel(
        api: Api, db: Database) -> None:
    subscribe(api, "http://127.0.0.1:9/ordered", ordered=True)
    subscribe(api, "http://127.0.0.1:9/plain", ordered=False)
    order_a, (a1, a2) = two_events(api, "+13032220001")
    order_b, (b1, b2) = two_events(api, "+13032220002")
    with db.reading() as session:
        rows = session.execute(select(Delivery.event_id, Delivery.destination,
                                      Delivery.porting_order_id, Delivery.order_seq)).all()
    ordered_rows = {r.event_id: r for r in rows if r.destination.endswith("/ordered")}
    assert {r.porting_order_id for r in ordered_rows.values()} == {order_a, order_b}
    assert ordered_rows[a1].order_seq < ordered_rows[a2].order_seq
    assert all(r.order_seq is None and r.porting_order_id is None
               for r in rows if r.destination.endswith("/plain"))

    def taken(claimed: list[Claimed]) -> set[tuple[str, str]]:
        return {(c.event_id, c.destination.rsplit("/", 1)[1]) for c in claimed}

    first = claim(db)
    assert taken(first) == {(a1, "ordered"), (b1, "ordered"), (a1, "plain"), (a2, "plain"),
                            (b1, "plain"), (b2, "plain")}
    by_key = {(c.event_id, c.destination.rsplit("/", 1)[1]): c for c in first}
    # a1 to be retried in an hour: a2 waits behind it; b1 delivered: b2 may go.
    record(db, by_key[(a1, "ordered")], "pending")
    record(db, by_key[(b1, "ordered")], "delivered")
    assert taken(claim(db)) == {(b2, "ordered")}
    assert claim(db) == []
    assert not any_due(db)  # a held delivery is not work: the worker takes no write lock
    # a1 given up (failed): a2 goes.
    with db.reading() as session:
        a1_id = session.execute(select(Delivery.id).where(
            Delivery.event_id == a1, Delivery.destination.endswith("/ordered"))).scalar_one()
    with db.writing() as session:  # its retry is due now
        session.execute(Delivery.__table__.update().where(Delivery.id == a1_id)
                        .values(next_attempt_at=utcnow()))
    (again,) = claim(db)
    assert again.delivery_id == a1_id and again.attempt == 2
    record(db, again, "failed")
    assert taken(claim(db)) == {(a2, "ordered")}


class InProcess(httpx.BaseTransport):
    """The SDK's httpx requests answered by the app in this process (the test client is
    built on another httpx, which the SDK does not take)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.client.request(request.method, str(request.url),
                                     headers=dict(request.headers), content=request.read())
        headers = [(k, v) for k, v in answer.headers.multi_items()
                   if k.lower() != "content-encoding"]
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)


def test_ordered_is_set_and_read_through_the_sdk(api: Api) -> None:
    """The SDK has no `ordered` parameter: it goes in extra_body, and comes back as an extra
    field that the SDK's strict validation accepts."""
    transport = httpx.Client(transport=InProcess(api.client))
    with telnyx.Telnyx(api_key=api.tenant.api_key, base_url="http://testserver/v2",
                       http_client=transport, max_retries=0,
                       _strict_response_validation=True) as sdk:
        profile = sdk.notification_profiles.create(name="team").data
        assert profile is not None and profile.id is not None
        created = sdk.notification_channels.create(
            channel_type_id="webhook", channel_destination="https://hooks.example.com/a",
            notification_profile_id=profile.id, extra_body={"ordered": True}).data
        assert created is not None and created.id is not None
        assert created.model_extra == {"ordered": True, "record_type": "notification_channel"}
        updated = sdk.notification_channels.update(
            created.id, extra_body={"ordered": False}).data
        assert updated is not None and updated.model_extra is not None
        assert updated.model_extra["ordered"] is False
        plain = sdk.notification_channels.create(
            channel_type_id="email", channel_destination="desk@example.com",
            notification_profile_id=profile.id).data
        assert plain is not None and plain.model_extra is not None
        assert plain.model_extra["ordered"] is False


def test_ordered_must_be_a_boolean(api: Api) -> None:
    profile = api.user("POST", "/v2/notification_profiles", json={"name": "team"})["data"]
    for value in ("yes", 1, "true"):
        answer = api.user("POST", "/v2/notification_channels", 422, json={
            "channel_type_id": "webhook", "channel_destination": "https://hooks.example.com/a",
            "notification_profile_id": profile["id"], "ordered": value})
        assert answer["errors"][0]["source"]["pointer"] == "/ordered"
    assert api.user("GET", "/v2/notification_channels")["data"] == []


def test_the_portal_makes_an_ordered_channel(client: TestClient, db: Database,
                                             tenant: Tenant, api: Api) -> None:
    _sign_in(client, db, tenant)
    profile = api.user("POST", "/v2/notification_profiles", json={"name": "team"})["data"]
    token = _hidden_token(client.get("/notifications").text)
    for destination, ordered in (("https://hooks.example.com/a", "on"),
                                 ("https://hooks.example.com/b", None)):
        form = {"csrf_token": token, "notification_profile_id": profile["id"],
                "channel_type_id": "webhook", "channel_destination": destination}
        if ordered:
            form["ordered"] = ordered
        assert client.post("/notifications/channels", data=form,
                           follow_redirects=False).status_code == 303
    channels = {c["channel_destination"]: c["ordered"]
                for c in api.user("GET", "/v2/notification_channels")["data"]}
    assert channels == {"https://hooks.example.com/a": True,
                        "https://hooks.example.com/b": False}
    assert "(ordered)" in client.get("/notifications").text
