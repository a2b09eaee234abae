"""The portal's order forms over HTTP: a new order from pasted numbers (refusals beside the
field, nothing made), an order's details edited where its status allows, and the order
page's destructive actions asking first."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from portin.storage.db import Database
from tests.conftest import Api, Tenant
from tests.integration.test_security_headers import _hidden_token, _sign_in


def signed_in(client: TestClient, db: Database, tenant: Tenant) -> str:
    _sign_in(client, db, tenant)
    return _hidden_token(client.get("/orders/new").text)


def orders_of(api: Api) -> list[dict[str, Any]]:
    return list(api.user("GET", "/v2/porting_orders")["data"])


def test_a_messy_paste_makes_one_draft_with_each_number_once(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = signed_in(client, db, tenant)
    answer = client.post("/orders/new", data={
        "csrf_token": token, "default_region": "US",
        "phone_numbers": "+1 (312) 555-0100\n312-555-0101; 0044 20 7946 0958, 312.555.0100",
        "customer_reference": "acme-hq", "admin_entity_name": "Acme Inc",
        "location_country_code": "US"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    [order] = orders_of(api)
    assert answer.headers["location"] == f"/orders/{order['id']}"
    assert sorted(n["phone_number"] for n in order["phone_numbers"]) == [
        "+13125550100", "+13125550101", "+442079460958"]
    assert order["customer_reference"] == "acme-hq"
    assert order["end_user"]["admin"]["entity_name"] == "Acme Inc"
    assert order["end_user"]["location"]["country_code"] == "US"
    assert order["status"]["value"] == "draft"


def test_a_bad_line_is_named_beside_the_field_and_nothing_is_made(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = signed_in(client, db, tenant)
    pasted = "+13125550100\n312-555-0101\n555-01"
    answer = client.post("/orders/new", data={"csrf_token": token, "phone_numbers": pasted,
                                              "customer_reference": "kept"})
    assert answer.status_code == 422
    assert "Line 3: &#39;555-01&#39; is not a phone number" in answer.text
    assert 'id="phone_numbers-error"' in answer.text
    assert pasted in answer.text and 'value="kept"' in answer.text
    assert orders_of(api) == []


def test_a_number_on_another_open_order_is_refused_beside_the_field(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = signed_in(client, db, tenant)
    api.create_order("+13125550100")
    answer = client.post("/orders/new", data={"csrf_token": token,
                                              "phone_numbers": "312 555 0100"})
    assert answer.status_code == 422
    assert "is already on porting order" in answer.text
    assert len(orders_of(api)) == 1


def test_the_preview_counts_what_was_found(client: TestClient, db: Database,
                                           tenant: Tenant) -> None:
    token = signed_in(client, db, tenant)
    answer = client.post("/orders/new/preview", data={
        "csrf_token": token, "phone_numbers": "3125550100, 3125550100 3125550101 12"},
        headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "2 phone numbers found" in answer.text
    assert "1 duplicate merged" in answer.text and "1 not understood" in answer.text


def test_details_change_in_a_draft_and_lock_once_submitted(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = signed_in(client, db, tenant)
    order_id = str(api.create_order("+13125550100")["id"])
    answer = client.post(f"/orders/{order_id}/details", data={
        "csrf_token": token, "customer_reference": "renamed", "admin_entity_name": "Acme",
        "admin_pin_passcode": "1234"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    order = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
    assert order["customer_reference"] == "renamed"
    assert order["end_user"]["admin"]["pin_passcode"] == "1234"

    api.confirm(order_id)
    page = client.get(f"/orders/{order_id}").text
    assert 'id="details-locked"' in page
    assert 'id="admin_entity_name" name="admin_entity_name" type="text" value="Acme"' in page
    assert 'readonly aria-describedby="details-locked"' in page
    # The reference still changes; the locked entity name sent anyway is not.
    answer = client.post(f"/orders/{order_id}/details", data={
        "csrf_token": token, "customer_reference": "again", "admin_entity_name": "Other"},
        follow_redirects=False)
    assert answer.status_code == 303
    order = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
    assert order["customer_reference"] == "again"
    assert order["end_user"]["admin"]["entity_name"] == "Acme"


def test_a_too_long_reference_and_a_bad_foc_date_are_refused_beside_them(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = signed_in(client, db, tenant)
    order_id = str(api.create_order("+13125550100")["id"])
    answer = client.post(f"/orders/{order_id}/details", data={
        "csrf_token": token, "customer_reference": "x" * 300,
        "foc_datetime_requested": "next week"})
    assert answer.status_code == 422
    assert 'id="customer_reference-error"' in answer.text
    assert "Keep this to 255 characters or fewer." in answer.text
    assert 'id="foc_datetime_requested-error"' in answer.text
    assert api.user("GET", f"/v2/porting_orders/{order_id}")["data"][
        "customer_reference"] == "ref-1"
    answer = client.post(f"/orders/{order_id}/details", data={
        "csrf_token": token, "foc_datetime_requested": "2001-01-01T09:00"})
    assert answer.status_code == 422
    assert "outside the order&#39;s allowed FOC windows" in answer.text


def test_delete_and_webhook_removal_ask_first(client: TestClient, db: Database,
                                              tenant: Tenant, api: Api) -> None:
    token = signed_in(client, db, tenant)
    order_id = str(api.create_order("+13125550100")["id"])
    api.user("PATCH", f"/v2/porting_orders/{order_id}",
             json={"webhook_url": "https://example.com/hook"})
    answer = client.post(f"/orders/{order_id}/webhook",
                         data={"csrf_token": token, "webhook_url": ""})
    assert answer.status_code == 200 and "Remove this order" in answer.text
    assert api.user("GET", f"/v2/porting_orders/{order_id}")["data"]["webhook_url"]
    answer = client.post(f"/orders/{order_id}/delete", data={"csrf_token": token})
    assert answer.status_code == 200 and "Delete the draft order" in answer.text
    assert len(orders_of(api)) == 1
    answer = client.post(f"/orders/{order_id}/delete",
                         data={"csrf_token": token, "confirmed": "yes"},
                         follow_redirects=False)
    assert answer.status_code == 303
    assert orders_of(api) == []


def test_a_bad_webhook_url_is_refused_beside_its_field(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = signed_in(client, db, tenant)
    order_id = str(api.create_order("+13125550100")["id"])
    answer = client.post(f"/orders/{order_id}/webhook",
                         data={"csrf_token": token, "webhook_url": "ftp://nope"})
    assert answer.status_code == 422
    assert 'aria-describedby="webhook_url-help webhook_url-error"' in answer.text
    assert 'value="ftp://nope"' in answer.text


def test_an_exception_orders_numbers_say_what_their_conflict_is(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    signed_in(client, db, tenant)
    order_id = str(api.create_order("+13125550100")["id"])
    api.confirm(order_id)
    api.move(order_id, "exception", "ACCOUNT_NUMBER_MISMATCH")
    page = client.get(f"/orders/{order_id}").text
    assert "<th>Activation status</th>" in page
    assert "Conflict: the port is held by an exception (see Status)" in page
    assert "<th>Conflict</th>" not in page


def test_a_draft_the_organization_will_not_take_yet_lists_what_is_missing(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = signed_in(client, db, tenant)
    order_id = str(api.create_order("+13125550100")["id"])
    api.user("PATCH", "/v2/porting/settings", json={"confirm_requires_requirements_met": True})
    page = client.get(f"/orders/{order_id}").text
    assert 'id="submit-blockers"' in page and "not given yet" in page
    answer = client.post(f"/orders/{order_id}/confirm", data={"csrf_token": token})
    assert answer.status_code == 422
    assert 'id="submit-error"' in answer.text
    assert "GET /v2/" not in answer.text.split('id="submit-error"')[1].split("</div>")[0]
    assert api.user("GET", f"/v2/porting_orders/{order_id}")["data"]["status"]["value"] == "draft"


def test_messaging_is_ticked_and_unticked_in_a_draft(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = signed_in(client, db, tenant)
    order_id = str(api.create_order("+13125550100")["id"])
    page = client.get(f"/orders/{order_id}").text
    assert 'id="enable_messaging"' in page
    for sent, enabled in (({"enable_messaging": "yes"}, True), ({}, False)):
        answer = client.post(f"/orders/{order_id}/details", data={
            "csrf_token": token, "messaging_shown": "yes", **sent}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        order = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
        assert order["messaging"]["enable_messaging"] is enabled
