"""Action requirements: created with AU orders, listed, initiated by the user, moved by the
porting desk with a system comment each time; refusals change nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Api, Tenant

AU_MOBILE, AU_MOBILE_2, AU_LANDLINE = "+61412345678", "+61412345679", "+61298765432"
US = "+13035550110"
AU_TYPE_ID = "53970723-fbff-4f46-a975-f62be6c1a585"


def path(order_id: str) -> str:
    return f"/v2/porting_orders/{order_id}/action_requirements"


def requirements(api: Api, order_id: str, **params: Any) -> list[dict[str, Any]]:
    return list(api.user("GET", path(order_id), params=params)["data"])


def initiate(api: Api, order_id: str, requirement_id: str, expect: int = 200,
             **params: Any) -> Any:
    body = {"params": params or {"first_name": "Ada", "last_name": "Lovelace"}}
    return api.user("POST", f"{path(order_id)}/{requirement_id}/initiate", expect, json=body)


def desk_move(api: Api, order_id: str, requirement_id: str, status: str, expect: int = 200,
              **extra: Any) -> Any:
    return api.op("POST", f"/v2/operator/porting_orders/{order_id}/action_requirements/"
                  f"{requirement_id}", expect, json={"status": status, **extra})


def system_comments(api: Api, order_id: str) -> list[str]:
    comments = api.user("GET", f"/v2/porting_orders/{order_id}/comments")["data"]
    return [c["body"] for c in comments if c["user_type"] == "system"]


def test_an_au_order_gets_one_id_verification_requirement(api: Api) -> None:
    order = api.create_order(AU_MOBILE, AU_MOBILE_2, AU_LANDLINE)
    found = requirements(api, order["id"])
    assert len(found) == 1
    requirement = found[0]
    assert requirement == {
        "id": requirement["id"], "action_type": "au_id_verification", "action_url": None,
        "cancel_reason": None, "porting_order_id": order["id"],
        "requirement_type_id": AU_TYPE_ID, "status": "created",
        "created_at": requirement["created_at"], "updated_at": requirement["created_at"],
        "record_type": "porting_action_requirement"}
    assert requirements(api, api.create_order(US)["id"]) == []
    assert len(requirements(api, api.create_order("+13035550111", "+61412345670")["id"])) == 1


def test_initiate_then_the_desk_moves_it_with_a_system_comment_each_time(api: Api) -> None:
    order_id = api.create_order(AU_MOBILE)["id"]
    requirement_id = requirements(api, order_id)[0]["id"]
    started = initiate(api, order_id, requirement_id)["data"]
    assert started["status"] == "pending" and started["updated_at"] >= started["created_at"]
    assert "Ada" not in str(started) and "Lovelace" not in str(started)
    assert system_comments(api, order_id) == [
        f"Action requirement au_id_verification ({requirement_id}) moved from created to"
        " pending by the user."]
    failed = desk_move(api, order_id, requirement_id, "failed")["data"]
    assert failed["status"] == "failed"
    assert initiate(api, order_id, requirement_id)["data"]["status"] == "pending"
    done = desk_move(api, order_id, requirement_id, "completed")["data"]
    assert done["status"] == "completed"
    assert len(system_comments(api, order_id)) == 4
    assert "completed by the porting desk" in system_comments(api, order_id)[0]
    events = api.events(**{"filter[porting_order_id]": order_id,
                           "filter[type]": "porting_order.new_comment"})
    assert len(events) == 4
    assert {e["payload"]["comment"]["user_type"] for e in events} == {"system"}


def test_the_desk_cancels_with_a_reason(api: Api) -> None:
    order_id = api.create_order(AU_MOBILE)["id"]
    requirement_id = requirements(api, order_id)[0]["id"]
    cancelled = desk_move(api, order_id, requirement_id, "cancelled",
                          cancel_reason="The end user withdrew")["data"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "The end user withdrew"
    listed = api.op("GET", f"/v2/operator/porting_orders/{order_id}/action_requirements")
    assert listed["data"] == [cancelled]


def test_list_filters_sorts_and_pages(api: Api) -> None:
    # An order holds one requirement per action type, and there is one type so far: each
    # filter either keeps it or drops it.
    order_id = api.create_order(AU_MOBILE)["id"]
    requirement_id = requirements(api, order_id)[0]["id"]
    for params, expected in (
        ({"filter[status]": "created"}, 1), ({"filter[status]": "pending"}, 0),
        ({"filter[action_type]": "au_id_verification"}, 1),
        ({"filter[requirement_type_id]": AU_TYPE_ID}, 1),
        ({"filter[requirement_type_id]": "other"}, 0),
        ({"filter[id]": f"{requirement_id},nope"}, 1),
        ({"filter[id][in][]": requirement_id}, 1), ({"filter[id][in][]": "nope"}, 0),
        ({"sort[value]": "-updated_at"}, 1), ({"sort[value]": "created_at"}, 1),
    ):
        assert len(requirements(api, order_id, **params)) == expected, params
    page = api.user("GET", path(order_id), params={"page[size]": 1, "page[number]": 2})
    assert page["data"] == []
    assert page["meta"] == {"page_number": 2, "page_size": 1, "total_pages": 1,
                            "total_results": 1}
    for params in ({"filter[status]": "done"}, {"filter[action_type]": "x"},
                   {"sort[value]": "status"}, {"filter[id]": ",".join(["a"] * 101)}):
        api.user("GET", path(order_id), 422, params=params)


def test_refusals_change_nothing(api: Api) -> None:
    order_id = api.create_order(AU_MOBILE)["id"]
    other_order_id = api.create_order(AU_MOBILE_2)["id"]
    requirement_id = requirements(api, order_id)[0]["id"]
    before = requirements(api, order_id)
    initiate(api, order_id, requirement_id, 422, first_name="  ", last_name="L")
    api.user("POST", f"{path(order_id)}/{requirement_id}/initiate", 422, json={})
    api.user("POST", f"{path(order_id)}/{requirement_id}/initiate", 422,
             json={"params": {"first_name": "A"}})
    initiate(api, other_order_id, requirement_id, 404)  # another order's requirement
    initiate(api, order_id, "nope", 404)
    desk_move(api, order_id, requirement_id, "completed", 422)  # not pending yet
    desk_move(api, order_id, requirement_id, "done", 422)
    desk_move(api, order_id, requirement_id, "pending", 422, cancel_reason="why")
    desk_move(api, order_id, "nope", "pending", 404)
    desk_move(api, "nope", requirement_id, "pending", 404)
    assert requirements(api, order_id) == before
    assert system_comments(api, order_id) == []

    initiate(api, order_id, requirement_id)
    pending = requirements(api, order_id)
    initiate(api, order_id, requirement_id, 422)  # already pending
    desk_move(api, order_id, requirement_id, "pending", 422)
    assert requirements(api, order_id) == pending
    assert len(system_comments(api, order_id)) == 1

    desk_move(api, order_id, requirement_id, "completed")
    done = requirements(api, order_id)
    for status in ("pending", "failed", "cancelled", "created"):
        desk_move(api, order_id, requirement_id, status, 422)
    initiate(api, order_id, requirement_id, 422)
    assert requirements(api, order_id) == done

    # A finished order's requirements are closed.
    other_requirement = requirements(api, other_order_id)[0]["id"]
    api.confirm(other_order_id)
    api.user("POST", f"/v2/porting_orders/{other_order_id}/actions/cancel")
    api.move(other_order_id, "cancelled")
    initiate(api, other_order_id, other_requirement, 422)
    desk_move(api, other_order_id, other_requirement, "cancelled", 422)
    assert requirements(api, other_order_id)[0]["status"] == "created"


def test_requirements_are_sealed_per_organization(api: Api, client: TestClient,
                                                  other_tenant: Tenant) -> None:
    order_id = api.create_order(AU_MOBILE)["id"]
    requirement_id = requirements(api, order_id)[0]["id"]
    theirs = other_tenant.headers
    assert client.get(path(order_id), headers=theirs).status_code == 404
    response = client.post(f"{path(order_id)}/{requirement_id}/initiate", headers=theirs,
                           json={"params": {"first_name": "Eve", "last_name": "X"}})
    assert response.status_code == 404
    # Their own order with this requirement's id is no way in either.
    their_order = client.post("/v2/porting_orders", headers=theirs,
                              json={"phone_numbers": [AU_MOBILE_2]}).json()["data"][0]
    response = client.post(f"{path(their_order['id'])}/{requirement_id}/initiate",
                           headers=theirs,
                           json={"params": {"first_name": "Eve", "last_name": "X"}})
    assert response.status_code == 404
    assert client.post(f"/v2/operator/porting_orders/{order_id}/action_requirements/"
                       f"{requirement_id}", headers=api.tenant.headers,
                       json={"status": "pending"}).status_code == 403
    assert client.get(path(order_id), headers=api.operator).status_code == 403
    assert requirements(api, order_id)[0]["status"] == "created"
