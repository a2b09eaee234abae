"""Every event reaches every subscribed destination: signed, retried, logged."""

from __future__ import annotations

import itertools
import json
from typing import Any

import psycopg
import pytest

from portin.config import Settings
from portin.storage.db import Database
from tests.conftest import Api, Tenant
from tests.support.receiver import Receiver, verifies
from tests.support.worker import running_worker


def n(i: int) -> str:
    return f"+1303222{i:04d}"


def wait_delivered(api: Api, count: int, timeout: float = 20.0, **filters: Any
                   ) -> list[dict[str, Any]]:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [d for d in api.deliveries(**filters) if d["status"] != "pending"]
        if len(done) >= count:
            return done
        time.sleep(0.05)
    raise AssertionError(f"wanted {count} finished deliveries: {api.deliveries(**filters)}")


def test_every_event_type_reaches_channel_and_order_webhook(
        api: Api, db: Database, settings: Settings, receiver: Receiver, tenant: Tenant) -> None:
    channel_url = receiver.url("/channel")
    order_url = receiver.url("/order")
    api.subscribe("webhook", channel_url)
    order = api.create_order(n(1), n(2), reference="both")
    api.user("PATCH", f"/v2/porting_orders/{order['id']}",
             json={"webhook_url": order_url, "messaging": {"enable_messaging": True}})
    with running_worker(db, settings):
        api.confirm(order["id"])
        api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201, json={"body": "hi"})
        api.move(order["id"], "submitted")
        api.op("POST", f"/v2/operator/porting_orders/{order['id']}/split", 201,
               json={"phone_numbers": [n(2)]})
        api.op("POST", f"/v2/operator/porting_orders/{order['id']}/messaging",
               json={"messaging_port_status": "activating"})
        draft = api.create_order(n(3))
        api.user("PATCH", f"/v2/porting_orders/{draft['id']}", json={"webhook_url": order_url})
        api.user("DELETE", f"/v2/porting_orders/{draft['id']}", 204)
        events = api.events()
        assert len(events) == 6
        channel_hits = receiver.wait_for("/channel", 6)
        order_hits = receiver.wait_for("/order", 6)

    public_key = api.user("GET", "/v2/public_key")["data"]["public_key"]
    by_id = {e["id"]: e for e in events}
    for hit, url in [(h, channel_url) for h in channel_hits] + [(h, order_url)
                                                                for h in order_hits]:
        assert verifies(hit, public_key)
        assert hit.headers["content-type"] == "application/json"
        body = hit.json
        assert set(body) == {"data", "meta"}
        assert set(body["data"]) == {"event_type", "id", "occurred_at", "payload", "record_type"}
        event = by_id[body["data"]["id"]]
        assert body["data"]["record_type"] == "event"
        assert body["data"]["event_type"] == event["event_type"]
        assert body["data"]["payload"] == event["payload"]
        assert body["data"]["occurred_at"] == event["created_at"]
        assert body["meta"] == {"attempt": 1, "delivered_to": url,
                                "sequence": event["sequence"]}
    assert {h.event_id for h in channel_hits} == set(by_id)
    assert {h.event_id for h in order_hits} == set(by_id)
    for event in api.events():
        assert event["available_notification_methods"] == ["webhook"]


def test_a_changed_byte_fails_verification(api: Api, db: Database, settings: Settings,
                                          receiver: Receiver) -> None:
    api.subscribe("webhook", receiver.url("/hook"))
    with running_worker(db, settings):
        api.confirm(api.create_order(n(1))["id"])
        hit = receiver.wait_for("/hook", 1)[0]
    public_key = api.user("GET", "/v2/public_key")["data"]["public_key"]
    assert verifies(hit, public_key)
    tampered = bytearray(hit.body)
    tampered[10] = ord("X") if tampered[10] != ord("X") else ord("Y")
    hit.body = bytes(tampered)
    assert not verifies(hit, public_key)


def test_failing_endpoint_is_retried_with_growing_gaps(api: Api, db: Database,
                                                       settings: Settings,
                                                       receiver: Receiver) -> None:
    url = receiver.behave("/flaky", fail_first=3)
    api.subscribe("webhook", url)
    base, poll = 0.2, 0.01
    with running_worker(db, settings.model_copy(update={"retry_base_seconds": base,
                                                        "worker_poll_seconds": poll})):
        api.confirm(api.create_order(n(1))["id"])
        hits = receiver.wait_for("/flaky", 4)
        delivery = wait_delivered(api, 1)[0]
    assert [h.attempt for h in hits] == [1, 2, 3, 4]
    assert len({h.event_id for h in hits}) == 1
    # Retry n waits between half and one and a half times base * 2^(n-1); the worker picks a
    # due retry up at its next poll, so each observed gap may run a little longer.
    gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
    for n_retry, gap in enumerate(gaps, start=1):
        step = base * 2 ** (n_retry - 1)
        assert step / 2 - poll <= gap <= step * 1.5 + 0.15, (n_retry, gaps)
    assert gaps[0] < gaps[2]
    assert delivery["status"] == "delivered"
    assert [a["attempt"] for a in delivery["attempts"]] == [4, 3, 2, 1]
    assert [a["status"] for a in delivery["attempts"]] == ["delivered", "failed", "failed",
                                                           "failed"]
    assert delivery["attempts"][1]["http"]["response"]["status"] == 500
    assert delivery["attempts"][0]["http"]["request"]["url"] == url


def test_gone_endpoint_is_not_retried(api: Api, db: Database, settings: Settings,
                                      receiver: Receiver) -> None:
    api.subscribe("webhook", receiver.behave("/gone", status=410))
    with running_worker(db, settings):
        api.confirm(api.create_order(n(1))["id"])
        delivery = wait_delivered(api, 1)[0]
        receiver.wait_for("/gone", 1)
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 1
    assert delivery["attempts"][0]["errors"] == [410]
    assert len(receiver.at("/gone")) == 1


def test_attempts_run_out_and_the_delivery_fails(api: Api, db: Database, settings: Settings,
                                                 receiver: Receiver) -> None:
    api.subscribe("webhook", receiver.behave("/down", status=503))
    limited = settings.model_copy(update={"retry_max_attempts": 3, "retry_base_seconds": 0.01})
    with running_worker(db, limited):
        api.confirm(api.create_order(n(1))["id"])
        delivery = wait_delivered(api, 1)[0]
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 3
    assert [h.attempt for h in receiver.at("/down")] == [1, 2, 3]


def test_hanging_endpoint_times_out_without_delaying_others(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    profile = api.subscribe("webhook", receiver.behave("/hang", hang_seconds=3))["profile_id"]
    api.subscribe("webhook", receiver.url("/fast"), profile_id=profile)
    with running_worker(db, settings):
        order = api.create_order(*(n(i) for i in range(1, 3)))
        api.confirm(order["id"])
        for i in range(5):
            api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201,
                     json={"body": f"c{i}"})
        fast = receiver.wait_for("/fast", 6, timeout=5)
        first_hang = receiver.wait_for("/hang", 1)[0]
        # Everything reached the fast endpoint while the slow one still held its first request.
        assert max(h.at for h in fast) - first_hang.at < 1.0
        slow = list(api.deliveries(**{"filter[webhook][contains]": "/hang"}))
        assert all(d["status"] == "pending" for d in slow)
    timed_out = [d for d in api.deliveries(**{"filter[webhook][contains]": "/hang"})
                 if d["attempts"]]
    assert timed_out
    assert "timed out" in timed_out[0]["attempts"][0]["error"]


def test_retry_after_is_honoured_for_429(api: Api, db: Database, settings: Settings,
                                         receiver: Receiver) -> None:
    receiver.behave("/busy", status=429, headers={"Retry-After": "1"})
    api.subscribe("webhook", receiver.url("/busy"))
    with running_worker(db, settings):
        api.confirm(api.create_order(n(1))["id"])
        hits = receiver.wait_for("/busy", 2, timeout=10)
        receiver.behaviours["/busy"].status = 200
    assert hits[1].at - hits[0].at >= 0.95


def test_delivery_log_filters_and_shape(api: Api, db: Database, settings: Settings,
                                        receiver: Receiver, client: Any,
                                        other_tenant: Tenant) -> None:
    api.subscribe("webhook", receiver.url("/ok"))
    api.subscribe("webhook", receiver.behave("/no", status=400))
    with running_worker(db, settings):
        order = api.create_order(n(1))
        api.confirm(order["id"])
        wait_delivered(api, 2)
    delivered = api.deliveries(**{"filter[status][eq]": "delivered"})
    failed = api.deliveries(**{"filter[status][eq]": "failed"})
    assert [d["destination"] for d in delivered] == [receiver.url("/ok")]
    assert [d["destination"] for d in failed] == [receiver.url("/no")]
    one = api.user("GET", f"/v2/webhook_deliveries/{delivered[0]['id']}")["data"]
    assert one["webhook"]["event_type"] == "porting_order.status_changed"
    assert one["webhook"]["record_type"] == "event"
    assert one["method"] == "webhook" and one["porting_order_id"] == order["id"]
    attempt = one["attempts"][0]
    assert attempt["http"]["response"]["status"] == 200
    assert json.loads(attempt["http"]["response"]["body"]) == {"ok": True}
    assert ["telnyx-signature-ed25519", attempt["http"]["request"]["headers"][2][1]] == \
        attempt["http"]["request"]["headers"][2]
    assert attempt["duration_ms"] >= 0 and one["started_at"] and one["finished_at"]
    assert api.deliveries(**{"filter[event_type]": "porting_order.split"}) == []
    assert len(api.deliveries(**{"filter[porting_order_id]": order["id"]})) == 2
    assert len(api.deliveries(**{"filter[webhook][contains]": "/ok"})) == 1
    assert client.get(f"/v2/webhook_deliveries/{one['id']}",
                      headers=other_tenant.headers).status_code == 404
    theirs = client.get("/v2/webhook_deliveries", headers=other_tenant.headers).json()
    assert theirs["meta"]["total_results"] == 0


def _metric(api: Api, name: str) -> float:
    text = api.client.get("/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name))


def test_metrics_count_events_and_attempts(api: Api, db: Database, settings: Settings,
                                           receiver: Receiver) -> None:
    api.subscribe("webhook", receiver.url("/metered"))
    written = _metric(api, 'portin_events_written_total{event_type="porting_order.status_')
    delivered = _metric(api, 'portin_delivery_attempts_total{method="webhook",'
                             'outcome="delivered"}')
    with running_worker(db, settings):
        api.confirm(api.create_order(n(1))["id"])
        wait_delivered(api, 1)
    assert _metric(api, 'portin_events_written_total{event_type="porting_order.status_') == (
        written + 1)
    assert _metric(api, 'portin_delivery_attempts_total{method="webhook",'
                        'outcome="delivered"}') == delivered + 1
    text = api.client.get("/metrics").text
    assert api.tenant.organization_id not in text
    assert receiver.url("/metered") not in text


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_worker_carries_on_after_the_server_cuts_its_connections(
        api: Api, db: Database, settings: Settings, receiver: Receiver,
        database_url: str) -> None:
    """PostgreSQL restarted or a connection killed: the worker's pooled connections and its
    LISTEN connection are gone; it takes new ones and nothing is lost."""
    api.subscribe("webhook", receiver.url("/hook"))
    order = api.create_order(n(1))
    with running_worker(db, settings):
        api.confirm(order["id"])
        receiver.wait_for("/hook", 1)
        with psycopg.connect(database_url, autocommit=True) as admin:
            cut = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
        assert cut is not None and cut[0] >= 1
        for i in range(3):
            api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201,
                     json={"body": f"after the cut {i}"})
        received = receiver.wait_for("/hook", 4, timeout=30)
    assert len({r.event_id for r in received}) == 4
    assert {d["status"] for d in wait_delivered(api, 4)} == {"delivered"}
