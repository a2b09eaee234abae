"""Two organizations: neither can read, list, count or change the other's orders or events."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Api, Tenant


def test_organizations_are_sealed_from_each_other(api: Api, client: TestClient,
                                                  other_tenant: Tenant) -> None:
    mine = api.create_order("+13032220001", reference="shared-ref")
    api.confirm(mine["id"])
    api.user("POST", f"/v2/porting_orders/{mine['id']}/comments", 201, json={"body": "x"})
    event_id = api.events()[0]["id"]
    theirs = other_tenant.headers

    for path in (f"/v2/porting_orders/{mine['id']}",
                 f"/v2/porting_orders/{mine['id']}/comments",
                 f"/v2/porting/events/{event_id}"):
        assert client.get(path, headers=theirs).status_code == 404, path
    writes = [
        ("PATCH", f"/v2/porting_orders/{mine['id']}", {"customer_reference": "stolen"}),
        ("DELETE", f"/v2/porting_orders/{mine['id']}", None),
        ("POST", f"/v2/porting_orders/{mine['id']}/actions/confirm", None),
        ("POST", f"/v2/porting_orders/{mine['id']}/actions/cancel", None),
        ("POST", f"/v2/porting_orders/{mine['id']}/comments", {"body": "hello"}),
    ]
    for method, path, body in writes:
        response = client.request(method, path, headers=theirs, json=body)
        assert response.status_code == 404, (method, path, response.text)

    for path, params in (
        ("/v2/porting_orders", {}),
        ("/v2/porting_orders", {"filter[customer_reference]": "shared-ref"}),
        ("/v2/porting/events", {}),
        ("/v2/porting/events", {"filter[porting_order_id]": mine["id"]}),
        ("/v2/porting_phone_numbers", {}),
        ("/v2/porting_phone_numbers", {"filter[porting_order_id]": mine["id"]}),
    ):
        body = client.get(path, headers=theirs, params=params).json()
        assert body["data"] == [] and body["meta"]["total_results"] == 0, path

    # Nothing of mine changed, and the other organization may port the same number itself.
    order = api.user("GET", f"/v2/porting_orders/{mine['id']}")["data"]
    assert order["customer_reference"] == "shared-ref"
    assert order["status"]["value"] == "in-process"
    assert len(api.events()) == 2
    response = client.post("/v2/porting_orders", json={"phone_numbers": ["+13032220001"]},
                           headers=theirs)
    assert response.status_code == 201
    assert client.get("/v2/public_key", headers=theirs).json()["data"]["public_key"] == (
        other_tenant.public_key)
    assert other_tenant.public_key != api.tenant.public_key
