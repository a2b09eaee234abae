"""The deliveries page's "Recover failed deliveries" form: plain HTML forms, no JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from portin.config import Settings
from portin.storage.db import Database
from tests.conftest import Api, Tenant
from tests.integration.test_delivery_recovery import failing_setup, settle, snapshot
from tests.integration.test_security_headers import _hidden_token, _sign_in
from tests.support.receiver import Receiver


def local(moment: datetime) -> str:
    """What a datetime-local input sends (the portal reads it as UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def test_the_form_queues_failed_deliveries_again_and_says_how_many(
        client: TestClient, db: Database, settings: Settings, tenant: Tenant, api: Api,
        receiver: Receiver) -> None:
    failing_setup(api, receiver)
    settle(api, db, settings)
    _sign_in(client, db, tenant)
    page = client.get("/deliveries")
    assert 'action="/deliveries/recover"' in page.text
    now = datetime.now(UTC)
    form = {"csrf_token": _hidden_token(page.text), "since": local(now - timedelta(hours=1)),
            "until": local(now + timedelta(minutes=1)), "destination": ""}
    answer = client.post("/deliveries/recover", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/deliveries"
    shown = client.get("/deliveries")
    assert "2 failed deliveries queued again." in shown.text
    assert len([d for d in api.deliveries() if d["republished"]]) == 2
    failed = next(d for d in api.deliveries() if d["status"] == "failed")
    assert f'href="/deliveries/{failed["recovered_by"]}"' in client.get(
        f"/deliveries/{failed['id']}").text
    # The same range again: nothing twice.
    client.post("/deliveries/recover", data=form, follow_redirects=False)
    assert "No failed deliveries in that range" in client.get("/deliveries").text
    assert len(api.deliveries()) == 4


def test_a_refused_range_is_shown_beside_the_form_and_changes_nothing(
        client: TestClient, db: Database, settings: Settings, tenant: Tenant, api: Api,
        receiver: Receiver) -> None:
    failing_setup(api, receiver)
    settle(api, db, settings)
    before = snapshot(db)
    _sign_in(client, db, tenant)
    token = _hidden_token(client.get("/deliveries").text)
    now = datetime.now(UTC)
    cases = [
        ({"since": local(now), "until": local(now - timedelta(hours=1))}, 422,
         "until must not be before since."),
        ({"since": local(now - timedelta(days=40)), "until": local(now)}, 422,
         "at most 31 days"),
        ({"since": "", "until": local(now)}, 422, "Give the start of the range."),
        ({"since": "last tuesday", "until": local(now)}, 422, "is not a date and time"),
    ]
    for fields, status, message in cases:
        answer = client.post("/deliveries/recover", data={"csrf_token": token, **fields})
        assert answer.status_code == status, fields
        assert message in answer.text
        assert 'name="since"' in answer.text and "<details open>" in answer.text
    forged = client.post("/deliveries/recover", data={
        "since": local(now - timedelta(hours=1)), "until": local(now)})
    assert forged.status_code == 403
    assert snapshot(db) == before
