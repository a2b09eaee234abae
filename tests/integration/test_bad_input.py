"""Bad input: the right status, the error format with a source, and nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api

NUMBER = "+13032220001"


def only_error(response_json: dict[str, object]) -> dict[str, object]:
    errors = response_json["errors"]
    assert isinstance(errors, list) and errors
    error = errors[0]
    assert isinstance(error, dict)
    assert {"code", "title", "detail"} <= set(error)
    return error


def assert_nothing_written(api: Api) -> None:
    assert api.user("GET", "/v2/porting_orders")["meta"]["total_results"] == 0
    assert api.user("GET", "/v2/porting/events")["meta"]["total_results"] == 0


def test_malformed_json_is_400(api: Api) -> None:
    response = api.client.post("/v2/porting_orders", content=b'{"phone_numbers": [',
                               headers={**api.tenant.headers,
                                        "Content-Type": "application/json"})
    assert response.status_code == 400
    only_error(response.json())
    assert_nothing_written(api)


@pytest.mark.parametrize(("body", "pointer"), [
    ({"phone_numbers": "+13032220001"}, "/phone_numbers"),
    ({"phone_numbers": [NUMBER], "customer_reference": 12}, "/customer_reference"),
    ({"phone_numbers": [NUMBER], "colour": "red"}, "/colour"),
    ({}, "/phone_numbers"),
    ({"phone_numbers": []}, "/phone_numbers"),
    ({"phone_numbers": ["3032220001"]}, "/phone_numbers/0"),
    ({"phone_numbers": [NUMBER, "+15551234567"]}, "/phone_numbers/1"),
    ({"phone_numbers": [NUMBER, NUMBER]}, "/phone_numbers/1"),
])
def test_invalid_create_is_422_with_pointer(api: Api, body: dict[str, object],
                                            pointer: str) -> None:
    response = api.client.post("/v2/porting_orders", json=body, headers=api.tenant.headers)
    assert response.status_code == 422, response.text
    error = only_error(response.json())
    assert error["source"] == {"pointer": pointer}
    assert_nothing_written(api)


@pytest.mark.parametrize(("body", "pointer"), [
    ({"webhook_url": "ftp://example.com/x"}, "/webhook_url"),
    ({"webhook_url": "not a url"}, "/webhook_url"),
    ({"misc": {"type": "sideways"}}, "/misc/type"),
    ({"activation_settings": {"foc_datetime_requested": "2020-01-01T00:00:00Z"}},
     "/activation_settings/foc_datetime_requested"),
    ({"activation_settings": {"foc_datetime_requested": "2030-01-01T00:00:00"}},
     "/activation_settings/foc_datetime_requested"),
    ({"end_user": {"admin": {"entity_name": ["x"]}}}, "/end_user/admin/entity_name"),
    ({"messaging": {"enable_messaging": "maybe"}}, "/messaging/enable_messaging"),
])
def test_invalid_patch_is_422_and_changes_nothing(api: Api, body: dict[str, object],
                                                   pointer: str) -> None:
    order = api.create_order(NUMBER)
    path = f"/v2/porting_orders/{order['id']}"
    before = api.user("GET", path)["data"]
    error = only_error(api.user("PATCH", path, 422, json=body))
    assert error["source"] == {"pointer": pointer}
    assert api.user("GET", path)["data"] == before


def test_patch_with_a_bad_field_after_good_ones_writes_none_of_them(api: Api) -> None:
    order = api.create_order(NUMBER, reference="before")
    path = f"/v2/porting_orders/{order['id']}"
    api.user("PATCH", path, 422, json={"customer_reference": "after",
                                       "webhook_url": "gopher://x"})
    assert api.user("GET", path)["data"]["customer_reference"] == "before"


@pytest.mark.parametrize(("params", "status", "parameter"), [
    ({"page[number]": "x"}, 400, "page[number]"),
    ({"page[number]": "0"}, 422, "page[number]"),
    ({"page[size]": "251"}, 422, "page[size]"),
    ({"filter[type]": "porting_order.exploded"}, 422, "filter[type]"),
    ({"filter[created_at][gte]": "yesterday"}, 400, "filter[created_at][gte]"),
])
def test_bad_event_query_values(api: Api, params: dict[str, str], status: int,
                                parameter: str) -> None:
    error = only_error(api.user("GET", "/v2/porting/events", status, params=params))
    assert error["source"] == {"parameter": parameter}


def test_bad_order_filter_values(api: Api) -> None:
    api.user("GET", "/v2/porting_orders", 422, params={"filter[status]": "lost"})
    api.user("GET", "/v2/porting_orders", 422, params={"sort[value]": "colour"})
    api.user("GET", "/v2/porting_orders", 400,
             params={"filter[activation_settings][fast_port_eligible]": "perhaps"})


def test_body_over_one_mebibyte_is_413(api: Api) -> None:
    big = b'{"phone_numbers": ["' + b"1" * (1024 * 1024) + b'"]}'
    response = api.client.post("/v2/porting_orders", content=big,
                               headers={**api.tenant.headers,
                                        "Content-Type": "application/json"})
    assert response.status_code == 413
    only_error(response.json())
    assert_nothing_written(api)


def test_missing_and_wrong_keys_are_401(client: TestClient) -> None:
    assert client.get("/v2/porting_orders").status_code == 401
    response = client.get("/v2/porting_orders", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    only_error(response.json())


def test_operator_key_on_user_api_and_user_key_on_operator_api_are_403(api: Api) -> None:
    assert api.client.get("/v2/porting_orders", headers=api.operator).status_code == 403
    response = api.client.get("/v2/operator/porting_orders", headers=api.tenant.headers)
    assert response.status_code == 403


def test_unknown_ids_are_404(api: Api) -> None:
    for path in ("/v2/porting_orders/0b7c1b9e-0000-4000-8000-000000000000",
                 "/v2/porting_orders/not-a-uuid",
                 "/v2/porting/events/0b7c1b9e-0000-4000-8000-000000000000"):
        error = only_error(api.user("GET", path, 404))
        assert error["code"] == "10005"


def test_unknown_route_is_404_in_error_format(api: Api) -> None:
    only_error(api.user("GET", "/v2/nothing_here", 404))
