"""The user's order API on SQLite and PostgreSQL: shapes, filters, actions, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.conftest import Api, Tenant


def number(i: int) -> str:
    return f"+1303222{i:04d}"


def test_create_answers_201_with_a_list_of_one_full_draft(api: Api) -> None:
    order = api.create_order(number(1), number(2), reference="alpha")
    assert order["status"] == {"value": "draft", "details": []}
    assert order["record_type"] == "porting_order"
    assert order["customer_reference"] == "alpha"
    assert order["support_key"] is None
    assert order["porting_phone_numbers_count"] == 2
    assert [n["phone_number"] for n in order["phone_numbers"]] == [number(1), number(2)]
    assert order["phone_numbers"][0]["country_code"] == "US"
    for field in ("customer_group_reference", "description", "parent_support_key",
                  "webhook_url", "old_service_provider_ocn", "user_id", "phone_number_type",
                  "messaging", "activation_settings", "end_user", "documents", "misc",
                  "phone_number_configuration", "requirements", "requirements_met",
                  "additional_steps", "user_feedback", "created_at", "updated_at"):
        assert field in order, field
    assert order["messaging"]["messaging_port_status"] == "not_applicable"


def test_retrieve_carries_phone_numbers_url_and_honours_include_flag(api: Api) -> None:
    order = api.create_order(number(1))
    body = api.user("GET", f"/v2/porting_orders/{order['id']}")
    assert body["meta"]["phone_numbers_url"] == (
        f"/v2/porting_phone_numbers?filter[porting_order_id]={order['id']}")
    assert len(body["data"]["phone_numbers"]) == 1
    bare = api.user("GET", f"/v2/porting_orders/{order['id']}",
                    params={"include_phone_numbers": "false"})
    assert bare["data"]["phone_numbers"] is None
    assert bare["data"]["porting_phone_numbers_count"] == 1
    numbers = api.user("GET", "/v2/porting_phone_numbers",
                       params={"filter[porting_order_id]": order["id"]})
    assert [n["phone_number"] for n in numbers["data"]] == [number(1)]


def test_list_pages_newest_first_with_full_meta(api: Api) -> None:
    ids = [api.create_order(number(i), reference=f"r{i}")["id"] for i in range(5)]
    first = api.user("GET", "/v2/porting_orders", params={"page[size]": 2})
    assert first["meta"] == {"page_number": 1, "page_size": 2, "total_pages": 3,
                             "total_results": 5}
    last = api.user("GET", "/v2/porting_orders",
                    params={"page[size]": 2, "page[number]": 3})
    seen = [o["id"] for o in first["data"]] + [o["id"] for o in last["data"]]
    assert seen[:2] == ids[::-1][:2]
    assert seen[-1] == ids[0]
    oldest_first = api.user("GET", "/v2/porting_orders", params={"sort[value]": "created_at"})
    assert [o["id"] for o in oldest_first["data"]] == ids


def test_list_filters(api: Api) -> None:
    a = api.create_order(number(1), reference="alpha")
    b = api.create_order("+442079460000", reference="bravo")
    api.user("PATCH", f"/v2/porting_orders/{b['id']}",
             json={"end_user": {"admin": {"entity_name": "Globex"}}, "misc": {"type": "partial"}})
    api.confirm(a["id"])

    def ids(**params: str) -> set[str]:
        return {o["id"] for o in api.user("GET", "/v2/porting_orders", params=params)["data"]}

    assert ids(**{"filter[customer_reference]": "alpha"}) == {a["id"]}
    assert ids(**{"filter[status]": "in-process"}) == {a["id"]}
    assert ids(**{"filter[status][in][]": "draft,in-process"}) == {a["id"], b["id"]}
    assert ids(**{"filter[phone_numbers][country_code]": "GB"}) == {b["id"]}
    assert ids(**{"filter[phone_numbers.country_code]": "GB"}) == {b["id"]}
    assert ids(**{"filter[phone_numbers][phone_number][contains]": "2079"}) == {b["id"]}
    assert ids(**{"filter[end_user][admin][entity_name]": "Globex"}) == {b["id"]}
    assert ids(**{"filter[end_user.admin.entity_name]": "Globex"}) == {b["id"]}
    assert ids(**{"filter[misc][type]": "partial"}) == {b["id"]}
    confirmed = api.user("GET", f"/v2/porting_orders/{a['id']}")["data"]
    assert ids(**{"filter[parent_support_key]": confirmed["parent_support_key"]}) == {a["id"]}
    # FastPort: every number US or Canadian, local or toll-free (domain/activation.py).
    assert ids(**{"filter[activation_settings][fast_port_eligible]": "true"}) == {a["id"]}
    assert ids(**{"filter[activation_settings][fast_port_eligible]": "false"}) == {b["id"]}


def test_list_filter_on_requested_foc_date(api: Api) -> None:
    soon = api.create_order(number(1))
    later = api.create_order(number(2))
    # The first and the last allowed FOC windows (a requested date must lie in one).
    windows = api.user("GET", f"/v2/porting_orders/{soon['id']}/allowed_foc_windows")["data"]
    for order, window in ((soon, windows[0]), (later, windows[-1])):
        api.user("PATCH", f"/v2/porting_orders/{order['id']}", json={
            "activation_settings": {"foc_datetime_requested": window["started_at"]}})
    cut = windows[1]["started_at"]
    found = api.user("GET", "/v2/porting_orders", params={
        "filter[activation_settings][foc_datetime_requested][gt]": cut})
    assert [o["id"] for o in found["data"]] == [later["id"]]


def test_patch_merges_nested_fields_and_null_clears(api: Api) -> None:
    order = api.create_order(number(1))
    path = f"/v2/porting_orders/{order['id']}"
    api.user("PATCH", path, json={"end_user": {"admin": {"entity_name": "Acme",
                                                         "account_number": "123"}},
                                  "webhook_url": "https://hooks.example.com/p"})
    body = api.user("PATCH", path, json={"end_user": {"admin": {"account_number": None}},
                                         "messaging": {"enable_messaging": True}})
    data = body["data"]
    assert data["end_user"]["admin"]["entity_name"] == "Acme"
    assert data["end_user"]["admin"]["account_number"] is None
    assert data["webhook_url"] == "https://hooks.example.com/p"
    assert data["messaging"]["enable_messaging"] is True
    cleared = api.user("PATCH", path, json={"webhook_url": None})
    assert cleared["data"]["webhook_url"] is None


def test_submitted_order_locks_details_but_not_webhook_or_reference(api: Api) -> None:
    order = api.create_order(number(1))
    api.confirm(order["id"])
    path = f"/v2/porting_orders/{order['id']}"
    refused = api.user("PATCH", path, 422, json={"end_user": {"admin": {"entity_name": "X"}}})
    assert refused["errors"][0]["source"]["pointer"] == "/end_user"
    changed = api.user("PATCH", path, json={"webhook_url": "https://h.example.com/x",
                                            "customer_reference": "new"})
    assert changed["data"]["customer_reference"] == "new"


def test_confirm_gives_support_key_and_writes_status_event(api: Api) -> None:
    order = api.create_order(number(1), reference="alpha")
    body = api.confirm(order["id"])["data"]
    assert body["status"]["value"] == "in-process"
    assert body["support_key"].startswith("sr_") and len(body["support_key"]) == 9
    events = api.events(**{"filter[porting_order_id]": order["id"]})
    assert [e["event_type"] for e in events] == ["porting_order.status_changed"]
    payload = events[0]["payload"]
    assert payload["status"] == {"details": [], "value": "in-process"}
    assert payload["support_key"] == body["support_key"]
    assert payload["customer_reference"] == "alpha"


def test_confirm_twice_is_refused_and_changes_nothing(api: Api) -> None:
    order = api.create_order(number(1))
    api.confirm(order["id"])
    refused = api.confirm(order["id"], expect=422)
    assert "in-process" in refused["errors"][0]["detail"]
    assert len(api.events()) == 1


def test_cancel_flow_and_cutoff(api: Api) -> None:
    order = api.create_order(number(1))
    api.confirm(order["id"])
    api.move(order["id"], "submitted")
    soon = (datetime.now(UTC) + timedelta(hours=24)).isoformat()
    api.op("POST", f"/v2/operator/porting_orders/{order['id']}/status",
           json={"value": "foc-date-confirmed", "foc_datetime": soon})
    refused = api.user("POST", f"/v2/porting_orders/{order['id']}/actions/cancel", 422)
    assert "48 hours" in refused["errors"][0]["detail"]
    other = api.create_order(number(2))
    api.confirm(other["id"])
    body = api.user("POST", f"/v2/porting_orders/{other['id']}/actions/cancel")
    assert body["data"]["status"]["value"] == "cancel-pending"
    api.move(other["id"], "cancelled")
    api.user("POST", f"/v2/porting_orders/{other['id']}/actions/cancel", 422)


def test_delete_draft_answers_204_writes_event_and_hides_order(api: Api) -> None:
    order = api.create_order(number(1), reference="gone")
    path = f"/v2/porting_orders/{order['id']}"
    response = api.client.delete(path, headers=api.tenant.headers)
    assert response.status_code == 204 and response.content == b""
    api.user("GET", path, 404)
    assert api.user("GET", "/v2/porting_orders")["meta"]["total_results"] == 0
    events = api.events(**{"filter[type]": "porting_order.deleted"})
    assert len(events) == 1
    assert events[0]["payload"]["id"] == order["id"]
    assert events[0]["payload"]["customer_reference"] == "gone"
    # Its numbers are free again for a new order.
    api.create_order(number(1))


def test_delete_of_non_draft_is_422(api: Api) -> None:
    order = api.create_order(number(1))
    api.confirm(order["id"])
    api.user("DELETE", f"/v2/porting_orders/{order['id']}", 422)
    assert api.user("GET", f"/v2/porting_orders/{order['id']}")["data"]["status"][
        "value"] == "in-process"


def test_comments_list_and_create_write_new_comment_event(api: Api) -> None:
    order = api.create_order(number(1))
    created = api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201,
                       json={"body": "Please hurry"})["data"]
    assert created["user_type"] == "user" and created["body"] == "Please hurry"
    api.op("POST", f"/v2/operator/porting_orders/{order['id']}/comments", 201,
           json={"body": "On it"})
    listed = api.user("GET", f"/v2/porting_orders/{order['id']}/comments")
    assert [c["body"] for c in listed["data"]] == ["On it", "Please hurry"]
    assert listed["meta"]["total_results"] == 2
    events = api.events(**{"filter[type]": "porting_order.new_comment"})
    assert [e["payload"]["comment"]["user_type"] for e in events] == ["admin", "user"]
    assert events[0]["payload"]["porting_order_id"] == order["id"]


def test_exception_types_catalogue(api: Api) -> None:
    body = api.user("GET", "/v2/porting_orders/exception_types")
    codes = {t["code"] for t in body["data"]}
    assert len(codes) == 22 and "LOA_ILLEGIBLE" in codes


def test_a_number_cannot_be_on_two_live_orders(api: Api) -> None:
    first = api.create_order(number(1))
    refused = api.create_order(number(2), number(1), expect=422)
    assert refused["errors"][0]["source"]["pointer"] == "/phone_numbers/1"
    assert first["id"] in refused["errors"][0]["detail"]


def test_public_key_is_the_organizations(api: Api, tenant: Tenant) -> None:
    body = api.user("GET", "/v2/public_key")
    data = body["data"]
    assert (data["public_key"], data["record_type"]) == (tenant.public_key, "public_key")
    # No rotation announced: no next key (test_signing_keys_api.py covers rotations).
    assert (data["next_public_key"], data["next_key_id"], data["switch_at"]) == (None, None, None)


def test_openapi_and_docs_are_served_without_a_key(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v2/porting_orders" in spec["paths"]
    params = {p["name"] for p in spec["paths"]["/v2/porting/events"]["get"]["parameters"]}
    assert {"filter[type]", "filter[porting_order_id]", "filter[created_at][gte]",
            "page[number]", "page[size]"} <= params
    assert client.get("/docs").status_code == 200
