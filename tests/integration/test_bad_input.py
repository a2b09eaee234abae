"""Bad input: the right status, the error format with a source, and nothing written."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import QueryParams

from portin.api.query import MAX_PAGE_NUMBER, Query
from portin.domain.errors import MalformedRequest
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
    # A NUL in any text (PostgreSQL cannot store it).
    ({"end_user": {"admin": {"entity_name": "Acme\x00"}}}, "/end_user/admin/entity_name"),
    ({"phone_number_configuration": {"tags": ["ok", "b\x00d"]}},
     "/phone_number_configuration/tags"),
    ({"user_feedback": {"user_comment": "\x00"}}, "/user_feedback/user_comment"),
    ({"webhook_url": "https://example.com/\x00"}, "/webhook_url"),
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


# Issue 15: what a fuzzer found. Each of these was a 500.

LISTS = ["/v2/porting_orders", "/v2/porting/events", "/v2/porting_phone_numbers",
         "/v2/notification_profiles", "/v2/notification_channels", "/v2/notification_settings",
         "/v2/notification_events", "/v2/notification_event_conditions",
         "/v2/webhook_deliveries"]


@pytest.mark.parametrize("path", LISTS)
def test_page_number_beyond_the_maximum_is_422(api: Api, path: str) -> None:
    for number in ("1000000001", "461168601842738792", "9" * 30):
        error = only_error(api.user("GET", path, 422, params={"page[number]": number}))
        assert error["source"] == {"parameter": "page[number]"}
    last = api.user("GET", path, params={"page[number]": str(MAX_PAGE_NUMBER)})
    assert last["data"] == []


def test_page_number_maximum_is_in_the_openapi_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    params = spec["paths"]["/v2/porting_orders"]["get"]["parameters"]
    page_number = next(p for p in params if p["name"] == "page[number]")
    assert page_number["schema"]["maximum"] == MAX_PAGE_NUMBER


def test_page_number_beyond_the_maximum_on_comments_and_operator_lists(api: Api) -> None:
    order = api.create_order(NUMBER)
    too_far = {"page[number]": "461168601842738792"}
    api.user("GET", f"/v2/porting_orders/{order['id']}/comments", 422, params=too_far)
    error = only_error(api.op("GET", "/v2/operator/porting_orders", 422, params=too_far))
    assert error["source"] == {"parameter": "page[number]"}


EDGE_TIMES = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
              "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]
TIME_FILTERS = [
    ("/v2/porting/events", "filter[created_at][gte]"),
    ("/v2/porting/events", "filter[created_at][lte]"),
    ("/v2/porting_orders", "filter[activation_settings][foc_datetime_requested][gt]"),
    ("/v2/porting_orders", "filter[activation_settings][foc_datetime_requested][lt]"),
    ("/v2/webhook_deliveries", "filter[started_at][gte]"),
    ("/v2/webhook_deliveries", "filter[finished_at][lte]"),
]


@pytest.mark.parametrize(("path", "parameter"), TIME_FILTERS)
def test_time_filters_at_the_edges_of_the_calendar_are_400(api: Api, path: str,
                                                           parameter: str) -> None:
    api.create_order(NUMBER)
    for value in EDGE_TIMES:
        error = only_error(api.user("GET", path, 400, params={parameter: value}))
        assert error["source"] == {"parameter": parameter}
    # Just inside the range still filters.
    api.user("GET", path, params={parameter: "9999-12-30T00:00:00Z"})
    api.user("GET", path, params={parameter: "0001-01-02T00:00:00Z"})


def test_operator_time_filter_at_the_edge_is_400(api: Api) -> None:
    parameter = "filter[activation_settings][foc_datetime_requested][gt]"
    error = only_error(api.op("GET", "/v2/operator/porting_orders", 400,
                              params={parameter: EDGE_TIMES[0]}))
    assert error["source"] == {"parameter": parameter}


@pytest.mark.parametrize("value", EDGE_TIMES)
def test_foc_datetime_requested_at_the_edges_is_422_and_changes_nothing(api: Api,
                                                                        value: str) -> None:
    order = api.create_order(NUMBER)
    path = f"/v2/porting_orders/{order['id']}"
    before = api.user("GET", path)["data"]
    error = only_error(api.user("PATCH", path, 422, json={
        "activation_settings": {"foc_datetime_requested": value}}))
    assert error["source"] == {"pointer": "/activation_settings/foc_datetime_requested"}
    assert api.user("GET", path)["data"] == before


def test_foc_datetime_requested_with_an_offset_is_stored_in_utc(api: Api) -> None:
    order = api.create_order(NUMBER)
    path = f"/v2/porting_orders/{order['id']}"
    # A time inside the order's first allowed FOC window, written in +02:00.
    window = api.user("GET", f"{path}/allowed_foc_windows")["data"][0]
    start = datetime.fromisoformat(window["started_at"].replace("Z", "+00:00"))
    inside = (start + timedelta(hours=1)).astimezone(timezone(timedelta(hours=2)))
    api.user("PATCH", path, json={
        "activation_settings": {"foc_datetime_requested": inside.isoformat()}})
    settings = api.user("GET", path)["data"]["activation_settings"]
    assert settings["foc_datetime_requested"].startswith(
        (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"))


@pytest.mark.parametrize("value", EDGE_TIMES)
def test_operator_foc_datetime_at_the_edges_is_422_and_changes_nothing(api: Api,
                                                                       value: str) -> None:
    order = api.create_order(NUMBER)
    api.confirm(order["id"])
    path = f"/v2/operator/porting_orders/{order['id']}"
    before = api.op("GET", path)["data"]
    events_before = len(api.events())
    error = only_error(api.op("POST", f"{path}/status", 422, json={
        "value": "foc-date-confirmed", "foc_datetime": value}))
    assert error["source"] == {"pointer": "/foc_datetime"}
    assert api.op("GET", path)["data"] == before
    assert len(api.events()) == events_before


@pytest.mark.parametrize(("body", "pointer"), [
    ({"phone_numbers": [NUMBER], "customer_reference": "a\x00b"}, "/customer_reference"),
    ({"phone_numbers": [NUMBER + "\x00"]}, "/phone_numbers"),
    ({"phone_numbers": [NUMBER], "customer_group_reference": "\x00"},
     "/customer_group_reference"),
])
def test_nul_in_a_create_body_is_422_with_pointer(api: Api, body: dict[str, object],
                                                  pointer: str) -> None:
    response = api.client.post("/v2/porting_orders", json=body, headers=api.tenant.headers)
    assert response.status_code == 422, response.text
    error = only_error(response.json())
    assert error["source"] == {"pointer": pointer}
    assert "NUL" in str(error["detail"])
    assert_nothing_written(api)


def test_nul_in_comments_profiles_and_operator_bodies_is_422(api: Api) -> None:
    order = api.create_order(NUMBER)
    comments = f"/v2/porting_orders/{order['id']}/comments"
    api.user("POST", comments, 422, json={"body": "hello\x00"})
    api.op("POST", f"/v2/operator/porting_orders/{order['id']}/comments", 422,
           json={"body": "\x00"})
    api.op("POST", f"/v2/operator/porting_orders/{order['id']}/status", 422,
           json={"value": "in-process\x00"})
    api.user("POST", "/v2/notification_profiles", 422, json={"name": "team\x00"})
    assert api.user("GET", comments)["data"] == []
    assert api.user("GET", "/v2/notification_profiles")["meta"]["total_results"] == 0


@pytest.mark.parametrize("path", [
    "/v2/porting_orders/abc%00def",
    "/v2/porting_orders/%00",
    "/v2/porting/events/x%00",
    "/v2/notification_channels/%00",
    "/v2/operator/porting_orders/%00",
])
def test_nul_in_a_path_id_is_400(api: Api, path: str) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = api.client.request(method, path, headers=api.tenant.headers)
        assert response.status_code == 400, response.text
        only_error(response.json())


@pytest.mark.parametrize(("path", "params"), [
    ("/v2/porting/events", {"filter[porting_order_id]": "a\x00"}),
    ("/v2/porting_orders", {"filter[customer_reference]": "\x00"}),
    ("/v2/porting_orders", {"filter\x00": "x"}),
    ("/v2/webhook_deliveries", {"filter[status][eq]": "\x00"}),
])
def test_nul_in_a_query_value_is_400(api: Api, path: str, params: dict[str, str]) -> None:
    only_error(api.user("GET", path, 400, params=params))


def test_nul_in_a_raw_query_string_is_400(api: Api) -> None:
    response = api.client.get("/v2/porting_orders?filter[customer_reference]=%00",
                              headers=api.tenant.headers)
    assert response.status_code == 400
    only_error(response.json())


def test_nul_reaching_the_query_parser_is_refused_with_its_parameter() -> None:
    """The guard refuses NUL before routes; the parser refuses it too, for any other caller."""
    with pytest.raises(MalformedRequest) as caught:
        Query(QueryParams("filter[customer_reference]=a%00"))
    assert caught.value.parameter == "filter[customer_reference]"


@pytest.mark.parametrize(("path", "query"), [
    ("/v2/porting_orders/a\x00b", b""),
    ("/v2/porting_orders", b"filter[customer_reference]=\x00"),
])
def test_a_raw_nul_in_the_request_line_is_400(api: Api, path: str, query: bytes) -> None:
    """HTTP clients percent-encode NUL; a raw one can still reach the app from a server."""
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": query, "server": ("testserver", 80),
             "client": ("127.0.0.1", 1),
             "headers": [(b"authorization", api.tenant.headers["Authorization"].encode())]}
    asyncio.run(api.client.app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 400
    body = sent[1]["body"]
    assert isinstance(body, bytes)
    only_error(json.loads(body))
