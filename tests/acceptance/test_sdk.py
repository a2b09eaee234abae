"""The official `telnyx` SDK against a real `portin serve`, changing only the base URL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import telnyx

from tests.acceptance.conftest import Server


@pytest.fixture(scope="module")
def lenient_sdk(server: Server, org: dict[str, str]) -> Iterator[telnyx.Telnyx]:
    """The SDK's default (no strict validation), for the one answer a strict client refuses:
    the contract's seed-only exception code LOA_ILLEGIBLE, not in the SDK's enum."""
    with telnyx.Telnyx(api_key=org["api_key"], base_url=f"{server.base_url}/v2",
                       max_retries=0) as client:
        yield client


def move(desk: httpx.Client, order_id: str, value: str, *codes: str) -> dict[str, Any]:
    body: dict[str, Any] = {"value": value}
    if codes:
        body["details"] = [{"code": code} for code in codes]
    response = desk.post(f"/porting_orders/{order_id}/status", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


_counter = iter(range(1000, 9999))


def fresh_number() -> str:
    return f"+1720333{next(_counter):04d}"


def test_create_retrieve_update_confirm_cancel(sdk: telnyx.Telnyx) -> None:
    created = sdk.porting_orders.create(phone_numbers=[fresh_number(), fresh_number()],
                                        customer_reference="sdk-1")
    assert created.data is not None and len(created.data) == 1
    order = created.data[0]
    assert order.status is not None and order.status.value == "draft"
    assert order.porting_phone_numbers_count == 2

    fetched = sdk.porting_orders.retrieve(order.id)  # type: ignore[arg-type]
    assert fetched.data is not None and fetched.data.id == order.id
    assert fetched.meta is not None
    assert fetched.meta.phone_numbers_url is not None

    # A requested FOC date must lie inside one of the order's allowed windows.
    windows = sdk.porting_orders.retrieve_allowed_foc_windows(order.id)  # type: ignore[arg-type]
    assert windows.data
    foc = windows.data[len(windows.data) // 2].started_at
    updated = sdk.porting_orders.update(
        order.id,  # type: ignore[arg-type]
        webhook_url="https://hooks.example.com/portin", customer_reference="sdk-1b",
        end_user={"admin": {"entity_name": "Acme", "auth_person_name": "Dana"},
                  "location": {"locality": "Denver", "country_code": "US"}},
        messaging={"enable_messaging": True},
        activation_settings={"foc_datetime_requested": foc},
        misc={"type": "full"})
    data = updated.data
    assert data is not None
    assert data.webhook_url == "https://hooks.example.com/portin"
    assert data.customer_reference == "sdk-1b"
    assert data.end_user is not None and data.end_user.admin is not None
    assert data.end_user.admin.entity_name == "Acme"
    assert data.messaging is not None and data.messaging.enable_messaging is True
    assert data.misc is not None and data.misc.type == "full"

    confirmed = sdk.porting_orders.actions.confirm(order.id)  # type: ignore[arg-type]
    assert confirmed.data is not None and confirmed.data.status is not None
    assert confirmed.data.status.value == "in-process"
    assert confirmed.data.support_key is not None

    cancelled = sdk.porting_orders.actions.cancel(order.id)  # type: ignore[arg-type]
    assert cancelled.data is not None and cancelled.data.status is not None
    assert cancelled.data.status.value == "cancel-pending"


def test_delete_draft_and_refusals_raise_sdk_errors(sdk: telnyx.Telnyx, server: Server
                                                    ) -> None:
    order = sdk.porting_orders.create(phone_numbers=[fresh_number()]).data[0]  # type: ignore[index]
    assert sdk.porting_orders.delete(order.id) is None  # type: ignore[arg-type,func-returns-value]
    with pytest.raises(telnyx.NotFoundError):
        sdk.porting_orders.retrieve(order.id)  # type: ignore[arg-type]
    other = sdk.porting_orders.create(phone_numbers=[fresh_number()]).data[0]  # type: ignore[index]
    sdk.porting_orders.actions.confirm(other.id)  # type: ignore[arg-type]
    with pytest.raises(telnyx.UnprocessableEntityError) as refused:
        sdk.porting_orders.delete(other.id)  # type: ignore[arg-type]
    assert refused.value.status_code == 422
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.porting_orders.create(phone_numbers=["12345"])
    with telnyx.Telnyx(api_key="KEYwrong", base_url=f"{server.base_url}/v2",
                       max_retries=0) as stranger, pytest.raises(telnyx.AuthenticationError):
        stranger.porting_orders.list()


def test_list_filters_and_auto_paging(sdk: telnyx.Telnyx) -> None:
    ids = {sdk.porting_orders.create(phone_numbers=[fresh_number()],
                                     customer_reference="paged").data[0].id  # type: ignore[index]
           for _ in range(12)}
    seen = [o.id for o in sdk.porting_orders.list(filter={"customer_reference": "paged"},
                                                  page_size=5)]
    assert len(seen) == 12 and set(seen) == ids
    first_page = sdk.porting_orders.list(filter={"customer_reference": "paged"}, page_size=5)
    assert len(first_page.data) == 5
    by_country = sdk.porting_orders.list(
        filter={"customer_reference": "paged", "phone_numbers": {"country_code": "US"}},
        page_size=250)
    assert {o.id for o in by_country.data} == ids
    none_in_gb = sdk.porting_orders.list(filter={"phone_numbers": {"country_code": "GB"}})
    assert none_in_gb.data == []
    without_numbers = sdk.porting_orders.list(filter={"customer_reference": "paged"},
                                              include_phone_numbers=False, page_size=1)
    assert without_numbers.data[0].phone_numbers is None


def test_comments(sdk: telnyx.Telnyx, desk: httpx.Client) -> None:
    order = sdk.porting_orders.create(phone_numbers=[fresh_number()]).data[0]  # type: ignore[index]
    made = sdk.porting_orders.comments.create(order.id, body="Is there an update?")  # type: ignore[arg-type]
    assert made.data is not None and made.data.body == "Is there an update?"
    assert made.data.user_type == "user"
    desk.post(f"/porting_orders/{order.id}/comments", json={"body": "Submitted today."})
    bodies = [c.body for c in sdk.porting_orders.comments.list(order.id)]  # type: ignore[arg-type]
    assert bodies == ["Submitted today.", "Is there an update?"]


def test_exception_types(sdk: telnyx.Telnyx, lenient_sdk: telnyx.Telnyx) -> None:
    """The catalogue is the SDK's 21 codes and the seed's LOA_ILLEGIBLE (docs/API.md, "Known
    difference"): a strict client refuses the list for that one code, a default one reads it."""
    with pytest.raises(telnyx.APIResponseValidationError):
        sdk.porting_orders.retrieve_exception_types()
    body = lenient_sdk.porting_orders.retrieve_exception_types()
    assert body.data is not None
    codes = {t.code for t in body.data}
    assert "LOA_ILLEGIBLE" in codes and len(codes) == 22


def test_operator_moves_then_events_through_sdk(sdk: telnyx.Telnyx, desk: httpx.Client) -> None:
    numbers = [fresh_number() for _ in range(3)]
    order = sdk.porting_orders.create(phone_numbers=numbers).data[0]  # type: ignore[index]
    order_id: str = order.id  # type: ignore[assignment]
    sdk.porting_orders.update(order_id, messaging={"enable_messaging": True})
    sdk.porting_orders.actions.confirm(order_id)
    move(desk, order_id, "submitted")
    move(desk, order_id, "exception", "PORTING_ORDER_SPLIT_REQUIRED", "ACCOUNT_NUMBER_MISMATCH")
    split = desk.post(f"/porting_orders/{order_id}/split", json={"phone_numbers": numbers[1:]})
    assert split.status_code == 201
    move(desk, order_id, "submitted")
    move(desk, order_id, "foc-date-confirmed")
    desk.post(f"/porting_orders/{order_id}/messaging",
              json={"messaging_port_status": "activating"})
    move(desk, order_id, "ported")

    events = list(sdk.porting.events.list(filter={"porting_order_id": order_id}, page_size=2))
    types = [e.event_type for e in events]
    assert types.count("porting_order.status_changed") == 6
    assert types.count("porting_order.split") == 2
    assert types.count("porting_order.messaging_changed") == 1
    assert len({e.id for e in events}) == len(events) == 9

    exceptions = [e for e in events if e.event_type == "porting_order.status_changed"
                  and e.payload.status.value == "exception"]  # type: ignore[union-attr]
    assert [d.code for d in exceptions[0].payload.status.details] == [  # type: ignore[union-attr]
        "PORTING_ORDER_SPLIT_REQUIRED", "ACCOUNT_NUMBER_MISMATCH"]

    only_splits = sdk.porting.events.list(
        filter={"porting_order_id": order_id, "type": "porting_order.split"})
    assert [e.event_type for e in only_splits.data] == ["porting_order.split"] * 2

    before = datetime.now(UTC) - timedelta(minutes=5)
    after = datetime.now(UTC) + timedelta(minutes=5)
    windowed = sdk.porting.events.list(filter={"porting_order_id": order_id,
                                               "created_at": {"gte": before, "lte": after}})
    assert len(windowed.data) == 9
    empty = sdk.porting.events.list(filter={"porting_order_id": order_id,
                                            "created_at": {"gte": after}})
    assert empty.data == []

    one = sdk.porting.events.retrieve(events[0].id)  # type: ignore[arg-type]
    assert one.data is not None and one.data.id == events[0].id
    assert one.data.event_type == events[0].event_type


def test_another_organization_sees_nothing(sdk: telnyx.Telnyx, server: Server) -> None:
    order = sdk.porting_orders.create(phone_numbers=[fresh_number()]).data[0]  # type: ignore[index]
    sdk.porting_orders.actions.confirm(order.id)  # type: ignore[arg-type]
    event_id = sdk.porting.events.list(filter={"porting_order_id": order.id}).data[0].id  # type: ignore[typeddict-item]
    stranger_org = server.new_org("stranger")
    with telnyx.Telnyx(api_key=stranger_org["api_key"], base_url=f"{server.base_url}/v2",
                       max_retries=0) as stranger:
        with pytest.raises(telnyx.NotFoundError):
            stranger.porting_orders.retrieve(order.id)  # type: ignore[arg-type]
        with pytest.raises(telnyx.NotFoundError):
            stranger.porting.events.retrieve(event_id)  # type: ignore[arg-type]
        with pytest.raises(telnyx.NotFoundError):
            stranger.porting_orders.actions.cancel(order.id)  # type: ignore[arg-type]
        assert list(stranger.porting_orders.list()) == []
        assert list(stranger.porting.events.list()) == []


def test_seed_only_exception_code_still_reaches_sdk_users(
        sdk: telnyx.Telnyx, lenient_sdk: telnyx.Telnyx, desk: httpx.Client) -> None:
    """LOA_ILLEGIBLE is in the seed but not in the SDK's enum: the default SDK keeps the event
    untyped (a dict payload) instead of failing, with every field there; a strict one
    refuses the page."""
    order_id: str = sdk.porting_orders.create(  # type: ignore[assignment]
        phone_numbers=[fresh_number()]).data[0].id  # type: ignore[index]
    sdk.porting_orders.actions.confirm(order_id)
    move(desk, order_id, "exception", "LOA_ILLEGIBLE")
    with pytest.raises(telnyx.APIResponseValidationError):
        sdk.porting.events.list(filter={"porting_order_id": order_id})
    latest = lenient_sdk.porting.events.list(filter={"porting_order_id": order_id}).data[0]
    payload: Any = latest.payload
    status = payload.status if hasattr(payload, "status") else payload["status"]
    details = status["details"] if isinstance(status, dict) else status.details
    assert details == [{"code": "LOA_ILLEGIBLE", "description": "The LOA is illegible"}]
