"""The SDK's sharing, reports and sub_request methods against a real `portin serve`, strictly
validated against the SDK's types: a sharing token used over plain HTTP (the SDK has no
shared-documents methods), its expiry event written by the real worker's scheduler, and a
report completed by it within a bounded wait."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
import telnyx

from tests.acceptance.conftest import Server, strict_sdk

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
WAIT_SECONDS = 20


@pytest.fixture(scope="module")
def sdk(quick_server: Server) -> Iterator[telnyx.Telnyx]:
    with strict_sdk(quick_server, quick_server.new_org("sharing-org")["api_key"]) as client:
        yield client


def new_order(sdk: telnyx.Telnyx, number: str) -> str:
    created = sdk.porting_orders.create(phone_numbers=[number], customer_reference="share-1")
    assert created.data is not None and created.data[0].id is not None
    return created.data[0].id


def test_share_then_update_and_read_the_orders_documents(
        sdk: telnyx.Telnyx, quick_server: Server) -> None:
    order_id = new_order(sdk, "+17203340001")
    update = sdk.porting_orders.actions.share(
        order_id, permissions="porting_order.document.update", expires_in_seconds=600).data
    assert update is not None and update.token is not None
    assert update.permissions == ["porting_order.document.update"]
    assert update.porting_order_id == order_id and update.expires_in_seconds == 600
    assert update.expires_at is not None and update.created_at is not None
    assert update.expires_at - update.created_at == timedelta(seconds=600)
    assert jwt.decode(update.token, options={"verify_signature": False},
                      audience="porting_order_sharing")["jti"] == update.id

    shared = f"{quick_server.base_url}/v2/porting_orders/{order_id}/shared_documents"
    with httpx.Client(headers={"Authorization": f"Bearer {update.token}"}) as holder:
        uploaded = holder.put(f"{shared}/loa",
                              files={"file": ("signed-loa.pdf", PDF, "application/pdf")})
        assert uploaded.status_code == 200, uploaded.text
        document_id = uploaded.json()["data"]["id"]
        assert holder.get(shared).status_code == 403  # update does not grant reading

    order = sdk.porting_orders.retrieve(order_id).data
    assert order is not None and order.documents is not None
    assert order.documents.loa == document_id
    events = sdk.porting.events.list(
        filter={"type": "porting_order.loa_updated", "porting_order_id": order_id})
    [event] = events.data
    assert event.event_type == "porting_order.loa_updated" and event.payload is None

    read = sdk.porting_orders.actions.share(order_id).data  # the default: read, 3600 s
    assert read is not None and read.token is not None
    assert read.permissions == ["porting_order.document.read"]
    assert read.expires_in_seconds == 3600
    with httpx.Client(headers={"Authorization": f"Bearer {read.token}"}) as holder:
        listed = holder.get(shared)
        assert listed.status_code == 200
        assert [d["id"] for d in listed.json()["data"]] == [document_id]
        download = holder.get(f"{shared}/{document_id}/download")
        assert download.status_code == 200 and download.content == PDF
        assert holder.put(f"{shared}/loa", files={"file": ("x.pdf", PDF)}).status_code == 403
        # A sharing token is not an API key.
        assert holder.get(f"{quick_server.base_url}/v2/porting_orders/{order_id}"
                          ).status_code == 401


def test_bad_share_requests_are_refused_by_the_sdk(sdk: telnyx.Telnyx) -> None:
    order_id = new_order(sdk, "+17203340002")
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.porting_orders.actions.share(order_id, expires_in_seconds=172_801)
    with pytest.raises(telnyx.NotFoundError):
        sdk.porting_orders.actions.share("00000000-0000-0000-0000-000000000000")


def test_an_expired_token_is_refused_and_its_expiry_recorded_once(
        sdk: telnyx.Telnyx, quick_server: Server) -> None:
    order_id = new_order(sdk, "+17203340003")
    token = sdk.porting_orders.actions.share(order_id, expires_in_seconds=1).data
    assert token is not None and token.token is not None
    deadline = time.monotonic() + WAIT_SECONDS
    found: list[telnyx.types.porting.PortingEvent] = []
    while time.monotonic() < deadline and not found:
        time.sleep(0.25)
        found = list(sdk.porting.events.list(filter={
            "type": "porting_order.sharing_token_expired", "porting_order_id": order_id}).data)
    assert len(found) == 1, "the scheduler recorded no expiry in time"
    assert found[0].payload is None
    time.sleep(1.5)  # a few more ticks: still one
    assert len(sdk.porting.events.list(filter={
        "type": "porting_order.sharing_token_expired", "porting_order_id": order_id}).data) == 1
    refused = httpx.get(f"{quick_server.base_url}/v2/porting_orders/{order_id}/shared_documents",
                        headers={"Authorization": f"Bearer {token.token}"})
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "10009"


def test_sub_request(sdk: telnyx.Telnyx) -> None:
    order_id = new_order(sdk, "+17203340004")
    draft = sdk.porting_orders.retrieve_sub_request(order_id).data
    assert draft is not None and draft.sub_request_id and draft.port_request_id is None
    sdk.porting_orders.actions.confirm(order_id)
    submitted = sdk.porting_orders.retrieve_sub_request(order_id).data
    assert submitted is not None and submitted.port_request_id
    assert submitted.sub_request_id == draft.sub_request_id


def test_a_report_completes_in_the_background(sdk: telnyx.Telnyx) -> None:
    new_order(sdk, "+17203340005")
    since = datetime.now(UTC) - timedelta(hours=1)
    created = sdk.porting.reports.create(
        report_type="export_porting_orders_csv",
        params={"filters": {"created_at__gt": since, "status__in": ["draft"],
                            "customer_reference__in": ["share-1"]}}).data
    assert created is not None and created.id is not None
    assert created.status == "pending" and created.document_id is None
    assert created.params is not None
    assert created.params.filters.status_in == ["draft"]
    assert created.params.filters.customer_reference_in == ["share-1"]
    assert created.params.filters.created_at_gt is not None
    deadline = time.monotonic() + WAIT_SECONDS
    report = created
    while time.monotonic() < deadline and report.status != "completed":
        time.sleep(0.25)
        retrieved = sdk.porting.reports.retrieve(created.id).data
        assert retrieved is not None
        report = retrieved
    assert report.status == "completed", "the report was not built in time"
    assert report.document_id is not None
    completed = sdk.porting.reports.list(filter={"status": "completed",
                                                 "report_type": "export_porting_orders_csv"})
    assert created.id in [r.id for r in completed.data]
    assert sdk.porting.reports.list(filter={"status": "pending"}).data == []
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.porting.reports.create(report_type="export_porting_orders_csv",
                                   params={"filters": {"status__in": ["shipped"]}})  # type: ignore[list-item]
