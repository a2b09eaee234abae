"""The porting desk's moves and the events each writes."""

from __future__ import annotations

from tests.conftest import Api


def n(i: int) -> str:
    return f"+1303222{i:04d}"


def submitted_order(api: Api, *numbers: str) -> str:
    order_id = str(api.create_order(*numbers)["id"])
    api.confirm(order_id)
    api.move(order_id, "submitted")
    return order_id


def test_full_happy_path_writes_one_status_event_per_move(api: Api) -> None:
    order_id = submitted_order(api, n(1))
    api.move(order_id, "foc-date-confirmed")
    body = api.move(order_id, "ported")["data"]
    assert body["status"]["value"] == "ported"
    assert body["activation_settings"]["activation_status"] == "Active"
    values = [e["payload"]["status"]["value"]
              for e in api.events(**{"filter[type]": "porting_order.status_changed"})]
    assert values == ["ported", "foc-date-confirmed", "submitted", "in-process"]


def test_exception_carries_details_and_resolution_clears_them(api: Api) -> None:
    order_id = submitted_order(api, n(1))
    body = api.op("POST", f"/v2/operator/porting_orders/{order_id}/status", json={
        "value": "exception",
        "details": [{"code": "ACCOUNT_NUMBER_MISMATCH"},
                    {"code": "OTHER", "description": "Bill is from 2019"}]})["data"]
    assert body["status"] == {"value": "exception", "details": [
        {"code": "ACCOUNT_NUMBER_MISMATCH",
         "description": "Account number does not match that on the CSR"},
        {"code": "OTHER", "description": "Bill is from 2019"}]}
    # The user fixes what the exception named, then the desk resolves it.
    api.user("PATCH", f"/v2/porting_orders/{order_id}",
             json={"end_user": {"admin": {"account_number": "42"}}})
    resolved = api.move(order_id, "submitted")["data"]
    assert resolved["status"] == {"value": "submitted", "details": []}
    latest = api.events(**{"filter[porting_order_id]": order_id})
    assert latest[0]["payload"]["status"]["details"] == []
    assert latest[1]["payload"]["status"]["details"][0]["code"] == "ACCOUNT_NUMBER_MISMATCH"


def test_exception_needs_known_codes_and_others_take_none(api: Api) -> None:
    order_id = submitted_order(api, n(1))
    api.move(order_id, "exception", "NOT_A_CODE", expect=422)
    api.move(order_id, "exception", expect=422)
    api.move(order_id, "foc-date-confirmed", "LOA_ILLEGIBLE", expect=422)
    assert len(api.events()) == 2  # in-process and submitted only


def test_operator_cannot_make_user_moves(api: Api) -> None:
    order_id = str(api.create_order(n(1))["id"])
    api.move(order_id, "in-process", expect=422)
    api.confirm(order_id)
    api.move(order_id, "cancel-pending", expect=422)
    api.move(order_id, "ported", expect=422)
    api.move(order_id, "nonsense", expect=422)


def test_split_moves_numbers_and_writes_one_event_per_number(api: Api) -> None:
    order_id = submitted_order(api, n(1), n(2), n(3), n(4))
    source = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
    ids = {p["phone_number"]: p["id"] for p in source["phone_numbers"]}
    new = api.op("POST", f"/v2/operator/porting_orders/{order_id}/split", 201,
                 json={"phone_numbers": [n(3), n(4)]})["data"]
    assert new["id"] != order_id
    assert new["status"]["value"] == "submitted"
    assert new["support_key"] != source["support_key"]
    assert new["parent_support_key"] == source["parent_support_key"]
    assert sorted(p["phone_number"] for p in new["phone_numbers"]) == [n(3), n(4)]
    left = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
    assert left["porting_phone_numbers_count"] == 2
    splits = api.events(**{"filter[type]": "porting_order.split"})
    assert len(splits) == 2
    assert {e["porting_order_id"] for e in splits} == {order_id}
    assert {e["payload"]["porting_phone_numbers"][0]["id"] for e in splits} == {
        ids[n(3)], ids[n(4)]}
    for event in splits:
        assert event["payload"]["from"] == {"id": order_id}
        assert event["payload"]["to"] == {"id": new["id"]}
    # The user sees the new order as their own.
    api.user("GET", f"/v2/porting_orders/{new['id']}")


def test_split_refusals(api: Api) -> None:
    order_id = submitted_order(api, n(1), n(2))
    path = f"/v2/operator/porting_orders/{order_id}/split"
    api.op("POST", path, 422, json={"phone_numbers": [n(1), n(2)]})
    error = api.op("POST", path, 422, json={"phone_numbers": [n(9)]})
    assert error["errors"][0]["source"]["pointer"] == "/phone_numbers/0"
    api.op("POST", path, 422, json={"phone_numbers": []})
    assert api.events(**{"filter[type]": "porting_order.split"}) == []


def test_messaging_status_changes_write_events_only_on_change(api: Api) -> None:
    order_id = str(api.create_order(n(1))["id"])
    api.user("PATCH", f"/v2/porting_orders/{order_id}",
             json={"messaging": {"enable_messaging": True}})
    path = f"/v2/operator/porting_orders/{order_id}/messaging"
    api.op("POST", path, 422, json={"messaging_port_status": "activating"})  # still a draft
    api.confirm(order_id)
    api.op("POST", path, json={"messaging_port_status": "activating"})
    api.op("POST", path, json={"messaging_port_status": "activating"})
    body = api.op("POST", path, json={"messaging_port_status": "ported"})["data"]
    assert body["messaging"]["messaging_port_completed"] is True
    api.op("POST", path, 422, json={"messaging_port_status": "teleported"})
    events = api.events(**{"filter[type]": "porting_order.messaging_changed"})
    assert [e["payload"]["messaging"]["messaging_port_status"] for e in events] == [
        "ported", "activating"]
    assert events[0]["payload"]["messaging"] == {
        "messaging_capable": True, "enable_messaging": True,
        "messaging_port_status": "ported", "messaging_port_completed": True}


def test_user_toggling_messaging_writes_no_event(api: Api) -> None:
    order_id = str(api.create_order(n(1))["id"])
    api.user("PATCH", f"/v2/porting_orders/{order_id}",
             json={"messaging": {"enable_messaging": True}})
    assert api.events(**{"filter[type]": "porting_order.messaging_changed"}) == []


def test_operator_lists_every_organization(api: Api) -> None:
    from tests.conftest import make_tenant

    db = api.client.app.state.db  # type: ignore[attr-defined]
    other = make_tenant(db, "other")
    api.create_order(n(1))
    api.client.post("/v2/porting_orders", json={"phone_numbers": [n(2)]},
                    headers=other.headers)
    everything = api.op("GET", "/v2/operator/porting_orders")
    assert everything["meta"]["total_results"] == 2
    one = api.op("GET", "/v2/operator/porting_orders",
                 params={"filter[organization_id]": other.organization_id})
    assert [o["organization_id"] for o in one["data"]] == [other.organization_id]
