"""With PORTIN_ALLOW_PRIVATE_WEBHOOKS off, webhooks never reach non-public addresses:
refused when saved, and refused again at send time after resolution (DNS rebinding)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from portin.api.app import create_app
from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.storage.db import Database
from portin.storage.models import NotificationChannel
from tests.conftest import Api, Tenant
from tests.support.receiver import Receiver
from tests.support.worker import running_worker


@pytest.fixture
def guarded(settings: Settings) -> Settings:
    return settings.model_copy(update={"allow_private_webhooks": False})


@pytest.fixture
def guarded_api(guarded: Settings, db: Database, tenant: Tenant,
                operator: dict[str, str]) -> Iterator[Api]:
    with TestClient(create_app(guarded, db)) as client:
        yield Api(client, tenant, operator)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9000/hook", "http://10.0.0.5/hook", "http://169.254.169.254/latest",
    "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://localhost:8080/hook",
    "http://192.168.0.10/", "https://0.0.0.0/",
])
def test_private_urls_are_refused_when_saved(guarded_api: Api, url: str) -> None:
    profile = guarded_api.user("POST", "/v2/notification_profiles",
                               json={"name": "p"})["data"]["id"]
    error = guarded_api.user("POST", "/v2/notification_channels", 422, json={
        "channel_type_id": "webhook", "channel_destination": url,
        "notification_profile_id": profile})["errors"][0]
    assert error["source"]["pointer"] == "/channel_destination"
    order = guarded_api.create_order("+13032220001")
    guarded_api.user("PATCH", f"/v2/porting_orders/{order['id']}", 422,
                     json={"webhook_url": url})
    assert guarded_api.user("GET", "/v2/notification_channels")["data"] == []


def test_unresolvable_host_is_accepted_when_saved(guarded_api: Api) -> None:
    order = guarded_api.create_order("+13032220001")
    body = guarded_api.user("PATCH", f"/v2/porting_orders/{order['id']}",
                            json={"webhook_url": "https://hooks.portin-test.invalid/x"})
    assert body["data"]["webhook_url"] == "https://hooks.portin-test.invalid/x"


def test_a_name_that_now_resolves_to_loopback_is_refused_at_send(
        api: Api, db: Database, guarded: Settings, tenant: Tenant) -> None:
    with Receiver().running() as receiver:
        # As if "localhost" had resolved to a public address when it was saved.
        profile = api.user("POST", "/v2/notification_profiles", json={"name": "p"})["data"]["id"]
        rebinding_url = f"http://localhost:{receiver.port}/hook"
        with db.writing() as session:
            channel = NotificationChannel(
                id=str(uuid.uuid4()), organization_id=tenant.organization_id,
                notification_profile_id=profile, channel_type_id="webhook",
                channel_destination=rebinding_url, created_at=utcnow(), updated_at=utcnow())
            session.add(channel)
        condition = api.user("GET", "/v2/notification_event_conditions")["data"][0]["id"]
        api.user("POST", "/v2/notification_settings", json={
            "notification_event_condition_id": condition, "notification_profile_id": profile,
            "notification_channel_id": channel.id})
        literal = api.create_order("+13032220002")
        with db.writing() as session:  # a literal loopback URL saved before the guard was on
            from portin.storage.models import PortingOrder

            row = session.get(PortingOrder, literal["id"])
            assert row is not None
            row.webhook_url = f"http://127.0.0.1:{receiver.port}/literal"
        with running_worker(db, guarded):
            api.confirm(api.create_order("+13032220001")["id"])
            api.confirm(literal["id"])
            deadline = time.monotonic() + 10
            finished: list[dict[str, object]] = []
            while time.monotonic() < deadline and len(finished) < 3:
                finished = [d for d in api.deliveries() if d["status"] == "failed"]
                time.sleep(0.05)
        assert receiver.requests == []
    assert len(finished) == 3
    for delivery in finished:
        assert len(delivery["attempts"]) == 1  # not retried: it can never succeed
        assert "blocked" in str(delivery["last_error"])
