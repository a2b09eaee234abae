"""The delivery page's Retry now / Resend (services/delivery_actions.py), the explanation of a
failed attempt, the body sent, and the filters of the deliveries and events lists: plain
HTML forms through the real app, a real worker and a real receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from portin.config import Settings
from portin.domain.failure_explanations import explain
from portin.storage.db import Database
from tests.conftest import Api, Tenant
from tests.integration.test_delivery_recovery import failing_setup, settle, snapshot
from tests.integration.test_security_headers import _hidden_token, _sign_in
from tests.support.receiver import Receiver


def _post(client: TestClient, path: str, page: str, **fields: str) -> object:
    return client.post(path, data={"csrf_token": _hidden_token(page), **fields},
                       follow_redirects=False)


def test_retry_now_sends_a_failed_delivery_again_once_the_receiver_is_fixed(
        client: TestClient, db: Database, settings: Settings, tenant: Tenant, api: Api,
        receiver: Receiver) -> None:
    failing_setup(api, receiver)
    failed = settle(api, db, settings)
    order_failed = next(d for d in failed if d["destination"].endswith("/order"))
    _sign_in(client, db, tenant)
    page = client.get(f"/deliveries/{order_failed['id']}")
    assert "Retry now" in page.text
    # The 400 is explained as what portin does with it: not tried again.
    assert "so portin does not try again" in page.text
    assert "Body sent" in page.text
    assert '"delivered_to": "' + order_failed["destination"] in page.text
    receiver.behave("/order", status=200)
    answer = client.post(f"/deliveries/{order_failed['id']}/retry-now",
                         data={"csrf_token": _hidden_token(page.text)}, follow_redirects=False)
    assert answer.status_code == 303
    new_id = answer.headers["location"].rsplit("/", 1)[1]
    assert new_id != order_failed["id"]
    after = settle(api, db, settings)
    assert next(d for d in after if d["id"] == new_id)["status"] == "delivered"
    assert len(receiver.at("/order")) == 2
    # Sent again once only: the failed one now points at its replacement.
    again = client.post(f"/deliveries/{order_failed['id']}/retry-now",
                        data={"csrf_token": _hidden_token(page.text)})
    assert again.status_code == 422
    assert "already sent again" in again.text
    assert len(api.events()) == 1


def test_resend_makes_a_new_delivery_of_a_delivered_one_and_no_new_event(
        client: TestClient, db: Database, settings: Settings, tenant: Tenant, api: Api,
        receiver: Receiver) -> None:
    api.subscribe("webhook", receiver.behave("/ok"))
    order = api.create_order("+13032220001")
    api.confirm(order["id"])
    (delivered,) = settle(api, db, settings)
    _sign_in(client, db, tenant)
    page = client.get(f"/deliveries/{delivered['id']}")
    assert "Resend" in page.text and "Retry now" not in page.text
    # A delivered one is not "retried".
    wrong = client.post(f"/deliveries/{delivered['id']}/retry-now",
                        data={"csrf_token": _hidden_token(page.text)})
    assert wrong.status_code == 422
    answer = client.post(f"/deliveries/{delivered['id']}/resend",
                         data={"csrf_token": _hidden_token(page.text)}, follow_redirects=False)
    assert answer.status_code == 303
    assert "Resent" in client.get(answer.headers["location"]).text
    settle(api, db, settings)
    assert len(receiver.at("/ok")) == 2
    assert receiver.at("/ok")[0].event_id == receiver.at("/ok")[1].event_id
    assert len(api.events()) == 1
    forged = client.post(f"/deliveries/{delivered['id']}/resend", data={})
    assert forged.status_code == 403
    assert client.post(f"/deliveries/{delivered['id']}/explode",
                       data={"csrf_token": _hidden_token(page.text)}).status_code == 404


def test_republish_to_one_destination_reaches_only_it(
        client: TestClient, db: Database, settings: Settings, tenant: Tenant, api: Api,
        receiver: Receiver) -> None:
    first = api.subscribe("webhook", receiver.behave("/one"))
    api.subscribe("webhook", receiver.behave("/two"), first["profile_id"])
    order = api.create_order("+13032220001")
    api.confirm(order["id"])
    settle(api, db, settings)
    (event,) = api.events()
    _sign_in(client, db, tenant)
    page = client.get(f"/events/{event['id']}")
    assert f'value="channel:{first["channel_id"]}"' in page.text
    answer = _post(client, f"/events/{event['id']}/republish", page.text,
                   target=f"channel:{first['channel_id']}")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    settle(api, db, settings)
    assert (len(receiver.at("/one")), len(receiver.at("/two"))) == (2, 1)


def test_deliveries_filters_narrow_the_list_and_bad_ones_are_shown_beside_the_field(
        client: TestClient, db: Database, settings: Settings, tenant: Tenant, api: Api,
        receiver: Receiver) -> None:
    failing_setup(api, receiver)
    other = api.create_order("+13032220002", reference="second-ref")
    api.confirm(other["id"])
    settle(api, db, settings)
    _sign_in(client, db, tenant)
    everything = client.get("/deliveries").text.count('href="/deliveries/')
    assert everything == 3  # two for the first order, one (its channel) for the second
    order_url = receiver.url("/order")
    by_destination = client.get("/deliveries", params={"destination": order_url})
    assert by_destination.text.count('href="/deliveries/') == 1
    by_reference = client.get("/deliveries", params={"order": "second-ref"})
    assert by_reference.text.count('href="/deliveries/') == 1
    assert "order=second-ref" in by_reference.text  # kept in the polling URL
    by_id = client.get("/deliveries", params={"order": other["id"]})
    assert by_id.text.count('href="/deliveries/') == 1
    by_type = client.get("/deliveries", params={"type": "porting_order.new_comment"})
    assert "No deliveries match these filters." in by_type.text
    today = datetime.now(UTC).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert client.get("/deliveries", params={"from": tomorrow}).text.count(
        'href="/deliveries/') == 0
    assert client.get("/deliveries", params={"from": today.isoformat(), "to": tomorrow}
                      ).text.count('href="/deliveries/') == 3
    before = snapshot(db)
    for params, field in (({"from": "31/02/2026"}, "from"), ({"type": "nonsense"}, "type"),
                          ({"from": tomorrow, "to": today.isoformat()}, "to")):
        bad = client.get("/deliveries", params=params)
        assert bad.status_code == 422, params
        assert f'id="{field}-error"' in bad.text
    assert snapshot(db) == before


def test_events_show_reference_and_change_and_search_by_reference(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    _sign_in(client, db, tenant)
    assert "No events yet: events appear here when an order changes." in client.get(
        "/events").text
    order = api.create_order("+13032220001", reference="acme-4711")
    api.confirm(order["id"])
    api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201,
             json={"body": "Please send the signed LOA before Friday so we can submit"})
    listed = client.get("/events").text
    assert "acme-4711" in listed
    assert "in-process" in listed or "submitted" in listed
    assert "Please send the signed LOA before Friday so …" in listed
    found = client.get("/events", params={"order": "acme-4711"}).text
    assert found.count('href="/events/') == len(api.events())
    none = client.get("/events", params={"order": "nobody"}).text
    assert "No events match these filters." in none and 'href="/events">Clear' in none
    bad = client.get("/events", params={"to": "yesterday"})
    assert bad.status_code == 422 and 'id="to-error"' in bad.text


def test_the_explanations_say_what_portin_does() -> None:
    assert "disables the destination" in explain(410, "webhook")
    assert "does not try again" in explain(404, "webhook")
    assert "tries again" in explain(503, "webhook")
    assert "Retry-After" in explain(429, "webhook")
    assert "tries again" in explain(None, "webhook")
