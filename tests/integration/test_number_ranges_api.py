"""An order's number ranges: phone number blocks, extensions, associated numbers (partial UK
ports) and number configurations. Every refusal is a 4xx that leaves the order as it was."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api, Tenant

# London numbers (Ofcom's drama range): +44 20 7946 0000 to 0999 are valid landlines.
FIRST, LAST, OTHER = "+442079460000", "+442079460099", "+442079460100"
BUNDLE = "1c2d3e4f-0000-4000-8000-000000000001"
KINDS = ("phone_number_blocks", "phone_number_extensions", "associated_phone_numbers")


def uk_order(api: Api, *numbers: str, partial: bool = True) -> dict[str, Any]:
    order = api.create_order(*(numbers or (FIRST, LAST, OTHER)), reference=None)
    if partial:
        api.user("PATCH", f"/v2/porting_orders/{order['id']}", json={"misc": {"type": "partial"}})
    return order


def block_body(start: str = FIRST, end: str = LAST,
               *activation: tuple[str, str]) -> dict[str, Any]:
    ranges = activation or ((start, start),)
    return {"phone_number_range": {"start_at": start, "end_at": end},
            "activation_ranges": [{"start_at": s, "end_at": e} for s, e in ranges]}


def extension_body(number_id: str, start: int = 100, end: int = 199,
                   *activation: tuple[int, int]) -> dict[str, Any]:
    ranges = activation or ((start, start),)
    return {"porting_phone_number_id": number_id,
            "extension_range": {"start_at": start, "end_at": end},
            "activation_ranges": [{"start_at": s, "end_at": e} for s, e in ranges]}


def associated_body(start: str = "+442079460500", end: str = "+442079460599",
                    action: str = "keep") -> dict[str, Any]:
    return {"action": action, "phone_number_range": {"start_at": start, "end_at": end}}


def snapshot(api: Api, order_id: str) -> dict[str, Any]:
    """Everything a refused change must leave as it was."""
    one = f"/v2/porting_orders/{order_id}"
    state: dict[str, Any] = {"order": api.user("GET", one)["data"]}
    for kind in KINDS:
        state[kind] = api.user("GET", f"{one}/{kind}")["data"]
    state["configurations"] = api.user(
        "GET", "/v2/porting_orders/phone_number_configurations")["data"]
    return state


def refused(api: Api, order_id: str, method: str, path: str, status: int,
            body: dict[str, Any] | None = None) -> dict[str, Any]:
    before = snapshot(api, order_id)
    answer = api.user(method, path, status, json=body)
    assert snapshot(api, order_id) == before, (path, body)
    error: dict[str, Any] = answer["errors"][0]
    return error


# -- phone number blocks ----------------------------------------------------------------
def test_a_block_is_created_listed_and_deleted_answering_the_deleted_block(api: Api) -> None:
    order = uk_order(api)
    path = f"/v2/porting_orders/{order['id']}/phone_number_blocks"
    created = api.user("POST", path, 201, json=block_body(
        FIRST, LAST, (FIRST, "+442079460009"), ("+442079460050", LAST)))["data"]
    assert created["phone_number_range"] == {"start_at": FIRST, "end_at": LAST}
    assert created["activation_ranges"] == [
        {"start_at": FIRST, "end_at": "+442079460009"},
        {"start_at": "+442079460050", "end_at": LAST}]
    assert (created["country_code"], created["phone_number_type"]) == ("GB", "landline")
    assert created["record_type"] == "porting_phone_number_block"
    listed = api.user("GET", path)
    assert listed["data"] == [created] and listed["meta"]["total_results"] == 1

    deleted = api.user("DELETE", f"{path}/{created['id']}")
    assert deleted == {"data": created}
    assert api.user("GET", path)["data"] == []
    api.user("DELETE", f"{path}/{created['id']}", 404)


@pytest.mark.parametrize(("body", "pointer"), [
    (block_body(LAST, FIRST), "/phone_number_range/start_at"),  # out of order
    (block_body(FIRST, "+442079460098"), "/phone_number_range/end_at"),  # end not on order
    (block_body("+442079460001", LAST), "/phone_number_range/start_at"),  # start not on it
    (block_body(FIRST, "+13032220001"), "/phone_number_range/end_at"),  # lengths, countries
    (block_body(FIRST, "+44207946"), "/phone_number_range/end_at"),  # not a number
    (block_body(FIRST, LAST, (FIRST, OTHER)), "/activation_ranges/0"),  # outside the block
    (block_body(FIRST, LAST, ("+442079460005", "+442079460001")),
     "/activation_ranges/0/start_at"),
    (block_body(FIRST, LAST, (FIRST, "+442079460010"), ("+442079460010", LAST)),
     "/activation_ranges/1"),  # activation ranges overlap
    ({**block_body(), "activation_ranges": []}, "/activation_ranges"),
    (block_body(FIRST, LAST, ("+4420794600", "+442079460001")), "/activation_ranges/0/end_at"),
    (block_body(FIRST, LAST, ("+4420794600", "+4420794600")), "/activation_ranges/0"),
])
def test_a_bad_block_is_refused_and_changes_nothing(api: Api, body: dict[str, Any],
                                                    pointer: str) -> None:
    order = uk_order(api)
    error = refused(api, order["id"], "POST",
                    f"/v2/porting_orders/{order['id']}/phone_number_blocks", 422, body)
    assert error["source"]["pointer"] == pointer, error


def test_blocks_may_not_overlap_each_other_or_associated_numbers(api: Api) -> None:
    order = api.create_order(FIRST, LAST, OTHER, "+442079460199", reference=None)
    api.user("PATCH", f"/v2/porting_orders/{order['id']}", json={"misc": {"type": "partial"}})
    path = f"/v2/porting_orders/{order['id']}/phone_number_blocks"
    api.user("POST", path, 201, json=block_body(FIRST, LAST))
    error = refused(api, order["id"], "POST", path, 422, block_body(FIRST, OTHER))
    assert "overlaps phone number block" in error["detail"]
    # The associated range +442079460150..160 holds no number of the order, but a block over it
    # would both port and keep those numbers.
    api.user("POST", f"/v2/porting_orders/{order['id']}/associated_phone_numbers", 201,
             json=associated_body("+442079460150", "+442079460160"))
    error = refused(api, order["id"], "POST", path, 422, block_body(OTHER, "+442079460199"))
    assert "overlaps associated phone number" in error["detail"]


def test_block_list_filters(api: Api, client: TestClient) -> None:
    order = uk_order(api)
    path = f"/v2/porting_orders/{order['id']}/phone_number_blocks"
    first = api.user("POST", path, 201, json=block_body(FIRST, LAST))["data"]
    second = api.user("POST", path, 201, json=block_body(OTHER, OTHER))["data"]

    def ids(**params: Any) -> list[str]:
        return [b["id"] for b in api.user("GET", path, params=params)["data"]]

    assert ids() == [second["id"], first["id"]]
    assert ids(**{"sort[value]": "created_at"}) == [first["id"], second["id"]]
    assert ids(**{"filter[phone_number]": "+442079460042"}) == [first["id"]]
    assert ids(**{"filter[phone_number]": f"+442079460042,{OTHER}"}) == [
        second["id"], first["id"]]
    assert ids(**{"filter[phone_number]": "+442079460999"}) == []
    assert ids(**{"filter[porting_order_id]": order["id"]}) == [second["id"], first["id"]]
    assert ids(**{"filter[porting_order_id]": "someone-else"}) == []
    assert ids(**{"filter[status]": "draft"}) == [second["id"], first["id"]]
    assert ids(**{"filter[status]": "submitted,exception"}) == []
    assert ids(**{"filter[support_key]": "sr_000000"}) == []
    assert ids(**{"filter[portability_status]": "pending"}) == [second["id"], first["id"]]
    assert ids(**{"filter[portability_status]": "confirmed"}) == []
    assert ids(**{"filter[activation_status]": "New"}) == []
    assert ids(**{"page[size]": "1", "page[number]": "2"}) == [first["id"]]
    for key, value in (("filter[status]", "half"), ("filter[phone_number]", "0207"),
                       ("filter[activation_status]", "new"), ("sort[value]", "id")):
        response = client.get(path, params={key: value}, headers=api.tenant.headers)
        assert response.status_code == 422, (key, response.text)
        assert response.json()["errors"][0]["source"]["parameter"] == key


# -- phone number extensions ------------------------------------------------------------
def test_an_extension_is_created_listed_filtered_and_deleted(api: Api) -> None:
    order = uk_order(api)
    first_id, last_id = (n["id"] for n in order["phone_numbers"][:2])
    path = f"/v2/porting_orders/{order['id']}/phone_number_extensions"
    created = api.user("POST", path, 201, json=extension_body(
        first_id, 100, 199, (100, 109), (150, 199)))["data"]
    assert created["extension_range"] == {"start_at": 100, "end_at": 199}
    assert created["activation_ranges"] == [{"start_at": 100, "end_at": 109},
                                            {"start_at": 150, "end_at": 199}]
    assert created["porting_phone_number_id"] == first_id
    # The same extensions behind another number of the order do not overlap these.
    other = api.user("POST", path, 201, json=extension_body(last_id, 100, 199))["data"]
    assert [e["id"] for e in api.user(
        "GET", path, params={"filter[porting_phone_number_id]": first_id})["data"]] == [
        created["id"]]
    assert api.user("GET", path)["meta"]["total_results"] == 2

    assert api.user("DELETE", f"{path}/{other['id']}") == {"data": other}
    api.user("DELETE", f"{path}/{other['id']}", 404)
    assert api.user("GET", path)["data"] == [created]


def test_a_bad_extension_is_refused_and_changes_nothing(api: Api, other_tenant: Tenant,
                                                        client: TestClient) -> None:
    order = uk_order(api)
    number_id = order["phone_numbers"][0]["id"]
    another = api.create_order("+13032220001", reference=None)
    theirs = client.post("/v2/porting_orders", json={"phone_numbers": ["+13032220002"]},
                         headers=other_tenant.headers).json()["data"][0]
    path = f"/v2/porting_orders/{order['id']}/phone_number_extensions"
    api.user("POST", path, 201, json=extension_body(number_id, 100, 199))
    cases = [
        (extension_body(another["phone_numbers"][0]["id"]), "/porting_phone_number_id"),
        (extension_body(theirs["phone_numbers"][0]["id"]), "/porting_phone_number_id"),
        (extension_body("no-such-number"), "/porting_phone_number_id"),
        (extension_body(number_id, 150, 250), "/extension_range"),  # overlaps 100-199
        (extension_body(number_id, 300, 200), "/extension_range/start_at"),
        (extension_body(number_id, 300, 400, (250, 300)), "/activation_ranges/0"),
        (extension_body(number_id, 300, 400, (300, 350), (350, 360)), "/activation_ranges/1"),
        (extension_body(number_id, -1, 5), "/extension_range/start_at"),
        (extension_body(number_id, 1, 10**12), "/extension_range/end_at"),
    ]
    for body, pointer in cases:
        error = refused(api, order["id"], "POST", path, 422, body)
        assert error["source"]["pointer"] == pointer, (body, error)


# -- associated phone numbers -----------------------------------------------------------
def test_associated_numbers_of_a_partial_uk_port(api: Api) -> None:
    order = uk_order(api)
    one = f"/v2/porting_orders/{order['id']}"
    assert api.user("GET", one)["data"]["additional_steps"] == ["associated_phone_numbers"]
    listed = api.user("GET", "/v2/porting_orders")["data"][0]
    assert listed["additional_steps"] == ["associated_phone_numbers"]

    path = f"{one}/associated_phone_numbers"
    keep = api.user("POST", path, 201, json=associated_body())["data"]
    assert keep["action"] == "keep" and keep["porting_order_id"] == order["id"]
    assert keep["phone_number_range"] == {"start_at": "+442079460500",
                                          "end_at": "+442079460599"}
    assert (keep["country_code"], keep["phone_number_type"]) == ("GB", "landline")
    assert api.user("GET", one)["data"]["additional_steps"] == []
    # One end alone is a range of one number.
    single = api.user("POST", path, 201, json={
        "action": "disconnect", "phone_number_range": {"start_at": "+442079460700"}})["data"]
    assert single["phone_number_range"] == {"start_at": "+442079460700",
                                            "end_at": "+442079460700"}

    def ids(**params: Any) -> list[str]:
        return [a["id"] for a in api.user("GET", path, params=params)["data"]]

    assert ids() == [single["id"], keep["id"]]
    assert ids(**{"filter[action]": "keep"}) == [keep["id"]]
    assert ids(**{"filter[phone_number]": "+442079460550"}) == [keep["id"]]
    assert ids(**{"filter[phone_number]": "+442079460800"}) == []

    assert api.user("DELETE", f"{path}/{keep['id']}") == {"data": keep}
    api.user("DELETE", f"{path}/{single['id']}")
    api.user("DELETE", f"{path}/{single['id']}", 404)
    assert api.user("GET", one)["data"]["additional_steps"] == ["associated_phone_numbers"]


def test_only_partial_uk_orders_need_or_take_associated_numbers(api: Api) -> None:
    full = uk_order(api, partial=False)
    us = api.create_order("+13032220001", reference=None)
    api.user("PATCH", f"/v2/porting_orders/{us['id']}", json={"misc": {"type": "partial"}})
    for order in (full, us):
        one = f"/v2/porting_orders/{order['id']}"
        assert api.user("GET", one)["data"]["additional_steps"] == []
        refused(api, order["id"], "POST", f"{one}/associated_phone_numbers", 422,
                associated_body())


@pytest.mark.parametrize(("body", "pointer"), [
    (associated_body("+13032220005", "+13032220009"), "/phone_number_range/start_at"),
    (associated_body(FIRST, "+442079460010"), "/phone_number_range"),  # ported on the order
    (associated_body("+443031230000", "+443031230001"), "/phone_number_range/start_at"),
    (associated_body("+442079460599", "+442079460500"), "/phone_number_range/start_at"),
    ({"action": "keep", "phone_number_range": {}}, "/phone_number_range"),
    ({"action": "port", "phone_number_range": {"start_at": "+442079460500"}}, "/action"),
])
def test_a_bad_associated_number_is_refused_and_changes_nothing(
        api: Api, body: dict[str, Any], pointer: str) -> None:
    order = uk_order(api)
    error = refused(api, order["id"], "POST",
                    f"/v2/porting_orders/{order['id']}/associated_phone_numbers", 422, body)
    assert error["source"]["pointer"] == pointer, error


def test_associated_ranges_do_not_overlap(api: Api) -> None:
    order = uk_order(api)
    path = f"/v2/porting_orders/{order['id']}/associated_phone_numbers"
    api.user("POST", path, 201, json=associated_body())
    refused(api, order["id"], "POST", path, 422,
            associated_body("+442079460599", "+442079460600", "disconnect"))


# -- the order's status and tenancy -----------------------------------------------------
def test_ranges_change_only_while_the_order_is_editable(api: Api) -> None:
    order = uk_order(api)
    one = f"/v2/porting_orders/{order['id']}"
    number_id = order["phone_numbers"][0]["id"]
    block = api.user("POST", f"{one}/phone_number_blocks", 201, json=block_body())["data"]
    api.user("PATCH", one, json={"end_user": {"admin": {"entity_name": "Acme"}}})
    api.confirm(order["id"])
    for kind, body in (("phone_number_blocks", block_body(OTHER, OTHER)),
                       ("phone_number_extensions", extension_body(number_id)),
                       ("associated_phone_numbers", associated_body())):
        error = refused(api, order["id"], "POST", f"{one}/{kind}", 422, body)
        assert "in-process" in error["detail"]
    refused(api, order["id"], "DELETE", f"{one}/phone_number_blocks/{block['id']}", 422)
    refused(api, order["id"], "POST", "/v2/porting_orders/phone_number_configurations", 422,
            {"phone_number_configurations": [{"porting_phone_number_id": number_id,
                                              "user_bundle_id": BUNDLE}]})
    # An exception opens the order again, as it does for PATCH.
    api.move(order["id"], "exception", "ACCOUNT_NUMBER_MISMATCH")
    api.user("POST", f"{one}/phone_number_extensions", 201, json=extension_body(number_id))
    api.user("DELETE", f"{one}/phone_number_blocks/{block['id']}")


def test_another_organization_finds_nothing(api: Api, client: TestClient,
                                            other_tenant: Tenant) -> None:
    order = uk_order(api)
    one = f"/v2/porting_orders/{order['id']}"
    number_id = order["phone_numbers"][0]["id"]
    rows = {
        "phone_number_blocks": api.user("POST", f"{one}/phone_number_blocks", 201,
                                        json=block_body())["data"],
        "phone_number_extensions": api.user("POST", f"{one}/phone_number_extensions", 201,
                                            json=extension_body(number_id))["data"],
        "associated_phone_numbers": api.user("POST", f"{one}/associated_phone_numbers", 201,
                                             json=associated_body())["data"],
    }
    api.user("POST", "/v2/porting_orders/phone_number_configurations", 201, json={
        "phone_number_configurations": [{"porting_phone_number_id": number_id,
                                         "user_bundle_id": BUNDLE}]})
    before = snapshot(api, order["id"])
    theirs = other_tenant.headers
    bodies = {"phone_number_blocks": block_body(OTHER, OTHER),
              "phone_number_extensions": extension_body(order["phone_numbers"][2]["id"]),
              "associated_phone_numbers": associated_body("+442079460700", "+442079460700")}
    for kind, row in rows.items():
        assert client.get(f"{one}/{kind}", headers=theirs).status_code == 404
        assert client.post(f"{one}/{kind}", json=bodies[kind],
                           headers=theirs).status_code == 404
        assert client.delete(f"{one}/{kind}/{row['id']}", headers=theirs).status_code == 404
    # Their own order does not open mine: my block's id under their order is not found.
    their_order = client.post("/v2/porting_orders", json={"phone_numbers": ["+442079460300"]},
                              headers=theirs).json()["data"][0]
    response = client.delete(
        f"/v2/porting_orders/{their_order['id']}/phone_number_blocks/"
        f"{rows['phone_number_blocks']['id']}", headers=theirs)
    assert response.status_code == 404
    configurations = client.get("/v2/porting_orders/phone_number_configurations",
                                headers=theirs).json()
    assert configurations["data"] == [] and configurations["meta"]["total_results"] == 0
    response = client.post("/v2/porting_orders/phone_number_configurations", headers=theirs,
                           json={"phone_number_configurations": [
                               {"porting_phone_number_id": order["phone_numbers"][1]["id"],
                                "user_bundle_id": BUNDLE}]})
    assert response.status_code == 422
    assert snapshot(api, order["id"]) == before


def test_the_porting_desk_sees_any_orders_ranges(api: Api, client: TestClient) -> None:
    order = uk_order(api)
    one = f"/v2/porting_orders/{order['id']}"
    desk = f"/v2/operator/porting_orders/{order['id']}"
    block = api.user("POST", f"{one}/phone_number_blocks", 201, json=block_body())["data"]
    extension = api.user("POST", f"{one}/phone_number_extensions", 201,
                         json=extension_body(order["phone_numbers"][0]["id"]))["data"]
    associated = api.user("POST", f"{one}/associated_phone_numbers", 201,
                          json=associated_body())["data"]
    assert api.op("GET", f"{desk}/phone_number_blocks")["data"] == [block]
    assert api.op("GET", f"{desk}/phone_number_blocks",
                  params={"filter[phone_number]": OTHER})["data"] == []
    assert api.op("GET", f"{desk}/phone_number_extensions")["data"] == [extension]
    assert api.op("GET", f"{desk}/associated_phone_numbers")["data"] == [associated]
    api.op("GET", "/v2/operator/porting_orders/no-such-order/phone_number_blocks", 404)
    # A user's key is not the desk's.
    response = client.get(f"{desk}/phone_number_blocks", headers=api.tenant.headers)
    assert response.status_code == 403


# -- number configurations --------------------------------------------------------------
def test_number_configurations_are_created_and_listed(api: Api, client: TestClient) -> None:
    order = uk_order(api)
    first, second = order["phone_numbers"][0]["id"], order["phone_numbers"][1]["id"]
    other_bundle = "1c2d3e4f-0000-4000-8000-000000000002"
    base = "/v2/porting_orders/phone_number_configurations"
    created = api.user("POST", base, 201, json={"phone_number_configurations": [
        {"porting_phone_number_id": first, "user_bundle_id": BUNDLE},
        {"porting_phone_number_id": second, "user_bundle_id": other_bundle}]})["data"]
    assert [(c["porting_phone_number_id"], c["user_bundle_id"]) for c in created] == [
        (first, BUNDLE), (second, other_bundle)]
    assert created[0]["record_type"] == "porting_phone_number_configuration"

    def numbers(**params: Any) -> list[str]:
        return sorted(c["porting_phone_number_id"]
                      for c in api.user("GET", base, params=params)["data"])

    assert numbers() == sorted([first, second])
    assert numbers(**{"filter[user_bundle_id]": other_bundle}) == [second]
    assert numbers(**{"filter[porting_phone_number]": f"{first},{second}"}) == sorted(
        [first, second])
    assert numbers(**{"filter[porting_order][status]": "draft"}) == sorted([first, second])
    assert numbers(**{"filter[porting_order.status][in][]": "ported,exception"}) == []
    response = client.get(base, params={"filter[porting_order][status]": "half"},
                          headers=api.tenant.headers)
    assert response.status_code == 422


def test_bad_number_configurations_change_nothing(api: Api) -> None:
    order = uk_order(api)
    first, second = order["phone_numbers"][0]["id"], order["phone_numbers"][1]["id"]
    base = "/v2/porting_orders/phone_number_configurations"
    api.user("POST", base, 201, json={"phone_number_configurations": [
        {"porting_phone_number_id": first, "user_bundle_id": BUNDLE}]})
    cases = [
        ({"phone_number_configurations": []}, "/phone_number_configurations"),
        ({}, "/phone_number_configurations"),
        ({"phone_number_configurations": [  # one good item, one already configured
            {"porting_phone_number_id": second, "user_bundle_id": BUNDLE},
            {"porting_phone_number_id": first, "user_bundle_id": BUNDLE}]},
         "/phone_number_configurations/1/porting_phone_number_id"),
        ({"phone_number_configurations": [
            {"porting_phone_number_id": second, "user_bundle_id": BUNDLE},
            {"porting_phone_number_id": second, "user_bundle_id": BUNDLE}]},
         "/phone_number_configurations/1/porting_phone_number_id"),
        ({"phone_number_configurations": [
            {"porting_phone_number_id": second, "user_bundle_id": "bundle-1"}]},
         "/phone_number_configurations/0/user_bundle_id"),
        ({"phone_number_configurations": [
            {"porting_phone_number_id": "nope", "user_bundle_id": BUNDLE}]},
         "/phone_number_configurations/0/porting_phone_number_id"),
    ]
    for body, pointer in cases:
        error = refused(api, order["id"], "POST", base, 422, body)
        assert error["source"]["pointer"] == pointer, (body, error)


def test_the_configurations_path_is_never_taken_for_an_order_id(api: Api) -> None:
    answer = api.user("GET", "/v2/porting_orders/phone_number_configurations")
    assert answer == {"data": [], "meta": {"page_number": 1, "page_size": 20,
                                           "total_pages": 1, "total_results": 0}}
    # Also when an order exists: the path names no order.
    uk_order(api)
    assert api.user("GET", "/v2/porting_orders/phone_number_configurations")["data"] == []
    error = api.user("POST", "/v2/porting_orders/phone_number_configurations", 422, json={})
    assert error["errors"][0]["source"]["pointer"] == "/phone_number_configurations"


def test_a_split_takes_a_numbers_extensions_with_it(api: Api) -> None:
    order = uk_order(api)
    one = f"/v2/porting_orders/{order['id']}"
    moved = order["phone_numbers"][2]
    staying = order["phone_numbers"][0]
    kept = api.user("POST", f"{one}/phone_number_extensions", 201,
                    json=extension_body(staying["id"]))["data"]
    going = api.user("POST", f"{one}/phone_number_extensions", 201,
                     json=extension_body(moved["id"]))["data"]
    block = api.user("POST", f"{one}/phone_number_blocks", 201, json=block_body())["data"]
    new_order = api.op("POST", f"/v2/operator/porting_orders/{order['id']}/split", 201,
                       json={"phone_numbers": [moved["phone_number"]]})["data"]
    assert api.user("GET", f"{one}/phone_number_extensions")["data"] == [kept]
    assert api.user("GET", f"/v2/porting_orders/{new_order['id']}/phone_number_extensions"
                    )["data"] == [going]
    assert api.user("GET", f"{one}/phone_number_blocks")["data"] == [block]
