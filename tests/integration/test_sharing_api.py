"""Sharing tokens on both databases: issuing one (actions/share), what its holder can do with
it (read or update the order's documents, nothing else), every refusal changing nothing, the
expiry event written once by the scheduler, and sub_request's derived ids."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from portin.domain.timefmt import utcnow
from portin.outbox.fan_out import targets
from portin.services import documents, sharing
from portin.services.order_documents import set_order_document
from portin.services.server_secrets import get_or_create
from portin.storage.db import Database
from portin.storage.models import (
    Delivery,
    Document,
    DocumentLink,
    PortingEvent,
    PortingOrder,
    PortingOrderSharingToken,
)
from tests.conftest import Api, Tenant

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\nanother LOA\x00\x01\n%%EOF\n"
READ = "porting_order.document.read"
UPDATE = "porting_order.document.update"


def share(api: Api, order_id: str, expect: int = 201, **body: Any) -> Any:
    return api.user("POST", f"/v2/porting_orders/{order_id}/actions/share", expect, json=body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def put_loa(db: Database, tenant: Tenant, order_id: str, data: bytes = PDF) -> str:
    with db.writing() as session:
        order = session.get(PortingOrder, order_id)
        assert order is not None
        document = documents.store_document(session, tenant.organization_id, "loa.pdf", [data],
                                            utcnow(), max_bytes=1_000_000)
        set_order_document(session, order, "loa", document, utcnow())
        return document.id


def snapshot(db: Database) -> dict[str, Any]:
    """What a refused request must leave as it was."""
    with db.reading() as session:
        def count(model: Any) -> int:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

        orders = {o.id: (o.documents, o.updated_at, o.version)
                  for o in session.execute(select(PortingOrder)).scalars()}
        return {"documents": count(Document), "links": count(DocumentLink),
                "events": count(PortingEvent), "deliveries": count(Delivery),
                "tokens": count(PortingOrderSharingToken), "orders": orders}


def forge(db: Database, claims: dict[str, Any], key: bytes | None = None) -> str:
    with db.writing() as session:
        secret = get_or_create(session, sharing.SECRET_NAME)
    return jwt.encode(claims, key or secret, algorithm="HS256")


# -- issuing ----------------------------------------------------------------------------
def test_share_answers_the_token_as_the_sdk_types_it(api: Api, db: Database) -> None:
    order = api.create_order("+13032220001")
    data = share(api, order["id"])["data"]
    assert list(data) == ["id", "token", "created_at", "expires_at", "expires_in_seconds",
                          "permissions", "porting_order_id", "record_type"]
    assert data["permissions"] == [READ]  # the default
    assert data["expires_in_seconds"] == 3600  # the default
    assert data["porting_order_id"] == order["id"]
    assert data["record_type"] == "porting_order_sharing_token"
    claims = jwt.decode(data["token"], options={"verify_signature": False},
                        audience="porting_order_sharing")
    assert claims["jti"] == data["id"]
    assert claims["porting_order_id"] == order["id"]
    assert claims["organization_id"] == api.tenant.organization_id
    assert claims["permissions"] == [READ]
    assert claims["exp"] - claims["iat"] == 3600
    assert jwt.get_unverified_header(data["token"])["alg"] == "HS256"
    with db.reading() as session:
        row = session.get(PortingOrderSharingToken, data["id"])
        assert row is not None
        assert (row.expires_at - row.created_at) == timedelta(seconds=3600)
        assert row.permission == READ and row.expiry_recorded_at is None


def test_share_takes_one_permission_and_at_most_48_hours(api: Api) -> None:
    order = api.create_order("+13032220001")
    data = share(api, order["id"], permissions=UPDATE, expires_in_seconds=172800)["data"]
    assert data["permissions"] == [UPDATE]
    assert data["expires_in_seconds"] == 172800


@pytest.mark.parametrize("body", [
    {"expires_in_seconds": 172801}, {"expires_in_seconds": 0}, {"expires_in_seconds": "60"},
    {"expires_in_seconds": True}, {"expires_in_seconds": 1.5},
    {"permissions": [READ]}, {"permissions": "porting_order.document.delete"},
    {"permission": READ},
])
def test_bad_share_requests_are_422_and_make_no_token(api: Api, db: Database,
                                                      body: dict[str, Any]) -> None:
    order = api.create_order("+13032220001")
    before = snapshot(db)
    errors = share(api, order["id"], 422, **body)["errors"]
    assert errors[0]["source"]["pointer"]
    assert snapshot(db) == before


def test_another_organizations_order_cannot_be_shared(api: Api, client: TestClient,
                                                      other_tenant: Tenant, db: Database) -> None:
    order = api.create_order("+13032220001")
    before = snapshot(db)
    response = client.post(f"/v2/porting_orders/{order['id']}/actions/share", json={},
                           headers=other_tenant.headers)
    assert response.status_code == 404
    assert snapshot(db) == before


# -- reading with a token ---------------------------------------------------------------
def test_a_read_token_lists_and_downloads_the_orders_documents(
        api: Api, client: TestClient, db: Database, tenant: Tenant) -> None:
    order = api.create_order("+13032220001")
    document_id = put_loa(db, tenant, order["id"])
    token = share(api, order["id"], permissions=READ)["data"]["token"]
    listed = client.get(f"/v2/porting_orders/{order['id']}/shared_documents",
                        headers=bearer(token))
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["data"]
    assert (item["id"], item["purpose"], item["content_type"]) == (
        document_id, "loa", "application/pdf")
    assert item["size"] == {"amount": len(PDF), "unit": "bytes"}
    download = client.get(
        f"/v2/porting_orders/{order['id']}/shared_documents/{document_id}/download",
        headers=bearer(token))
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"


def test_a_read_token_reaches_no_document_of_another_order(
        api: Api, client: TestClient, db: Database, tenant: Tenant) -> None:
    order = api.create_order("+13032220001")
    other = api.create_order("+13032220002")
    other_document = put_loa(db, tenant, other["id"])
    token = share(api, order["id"])["data"]["token"]
    response = client.get(
        f"/v2/porting_orders/{order['id']}/shared_documents/{other_document}/download",
        headers=bearer(token))
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "10005"


# -- updating with a token --------------------------------------------------------------
def test_an_update_token_uploads_and_replaces_the_loa(
        api: Api, client: TestClient, db: Database, tenant: Tenant) -> None:
    api.subscribe("webhook", "http://127.0.0.1:9/hook")
    order = api.create_order("+13032220001")
    api.user("PATCH", f"/v2/porting_orders/{order['id']}",
             json={"webhook_url": "http://127.0.0.1:9/order"})
    first = put_loa(db, tenant, order["id"])
    deliveries_before = snapshot(db)["deliveries"]
    token = share(api, order["id"], permissions=UPDATE)["data"]["token"]
    response = client.put(f"/v2/porting_orders/{order['id']}/shared_documents/loa",
                          files={"file": ("signed.pdf", OTHER_PDF, "application/pdf")},
                          headers=bearer(token))
    assert response.status_code == 200, response.text
    uploaded = response.json()["data"]
    assert (uploaded["purpose"], uploaded["filename"]) == ("loa", "signed.pdf")
    shown = api.user("GET", f"/v2/porting_orders/{order['id']}")["data"]
    assert shown["documents"]["loa"] == uploaded["id"] != first
    with db.reading() as session:
        links = session.execute(select(DocumentLink.document_id).where(
            DocumentLink.linked_resource_id == order["id"])).scalars().all()
        assert list(links) == [uploaded["id"]]  # the old LOA's link is gone
    events = api.events(**{"filter[type]": "porting_order.loa_updated"})
    assert len(events) == 2  # one per LOA set (the first by the service, then the upload)
    assert events[0]["payload"] is None
    assert events[0]["available_notification_methods"] == []
    # Listed, never sent: not to the subscribed channel, not to the order's webhook_url.
    assert snapshot(db)["deliveries"] == deliveries_before


def test_an_invoice_upload_writes_no_loa_event(api: Api, client: TestClient) -> None:
    order = api.create_order("+13032220001")
    token = share(api, order["id"], permissions=UPDATE)["data"]["token"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client.put(f"/v2/porting_orders/{order['id']}/shared_documents/invoice",
                          files={"file": ("bill.png", png, "image/png")}, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert api.user("GET", f"/v2/porting_orders/{order['id']}")["data"]["documents"][
        "invoice"] == response.json()["data"]["id"]
    assert api.events(**{"filter[type]": "porting_order.loa_updated"}) == []


@pytest.mark.parametrize(("purpose", "content", "status"), [
    ("loa", b"MZ not a pdf", 422), ("loa", b"", 422), ("logo", PDF, 404),
])
def test_a_bad_upload_is_refused_and_changes_nothing(
        api: Api, client: TestClient, db: Database, purpose: str, content: bytes,
        status: int) -> None:
    order = api.create_order("+13032220001")
    token = share(api, order["id"], permissions=UPDATE)["data"]["token"]
    before = snapshot(db)
    response = client.put(f"/v2/porting_orders/{order['id']}/shared_documents/{purpose}",
                          files={"file": ("x.pdf", content, "application/pdf")},
                          headers=bearer(token))
    assert response.status_code == status, response.text
    assert snapshot(db) == before


def test_an_upload_to_a_submitted_order_is_refused(api: Api, client: TestClient,
                                                   db: Database) -> None:
    order = api.create_order("+13032220001")
    token = share(api, order["id"], permissions=UPDATE)["data"]["token"]
    api.confirm(order["id"])
    api.move(order["id"], "submitted")
    before = snapshot(db)
    response = client.put(f"/v2/porting_orders/{order['id']}/shared_documents/loa",
                          files={"file": ("x.pdf", PDF, "application/pdf")},
                          headers=bearer(token))
    assert response.status_code == 422
    assert snapshot(db) == before


# -- refusals ---------------------------------------------------------------------------
def _tokens(api: Api, db: Database, order_id: str, other_order_id: str) -> dict[str, str]:
    good = share(api, order_id, permissions=UPDATE)["data"]
    claims = jwt.decode(good["token"], options={"verify_signature": False},
                        audience="porting_order_sharing")
    head, payload, signature = good["token"].split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    expired_row = share(api, order_id, permissions=UPDATE)["data"]
    with db.writing() as session:
        session.execute(update(PortingOrderSharingToken)
                        .where(PortingOrderSharingToken.id == expired_row["id"])
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    return {
        "tampered signature": f"{head}.{payload}.{flipped}",
        "tampered claims": ".".join([head, jwt.utils.base64url_encode(
            jwt.api_jws.json.dumps({**claims, "permissions": [READ, UPDATE]}).encode()
        ).decode(), signature]),
        "past its exp": forge(db, {**claims, "exp": claims["iat"] - 10}),
        "row expired": expired_row["token"],
        "another key": forge(db, claims, key=b"k" * 64),
        "unknown jti": forge(db, {**claims, "jti": "00000000-0000-0000-0000-000000000000"}),
        "claims disagree with its row": forge(db, {**claims, "porting_order_id":
                                                   other_order_id}),
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "not a jwt": "portin-not-a-token",
        "an api key": api.tenant.api_key,
    }


@pytest.mark.parametrize("kind", [
    "tampered signature", "tampered claims", "past its exp", "row expired", "another key",
    "unknown jti", "claims disagree with its row", "alg none", "not a jwt", "an api key",
])
def test_an_invalid_token_is_401_and_changes_nothing(
        api: Api, client: TestClient, db: Database, tenant: Tenant, kind: str) -> None:
    order = api.create_order("+13032220001")
    other = api.create_order("+13032220002")
    put_loa(db, tenant, order["id"])
    token = _tokens(api, db, order["id"], other["id"])[kind]
    before = snapshot(db)
    shared = f"/v2/porting_orders/{order['id']}/shared_documents"
    for response in (
        client.put(f"{shared}/loa", files={"file": ("x.pdf", PDF, "application/pdf")},
                   headers=bearer(token)),
        client.get(shared, headers=bearer(token)),
    ):
        assert response.status_code == 401, (kind, response.text)
        assert response.json()["errors"][0]["code"] == "10009"
    assert snapshot(db) == before


def test_a_token_for_another_order_or_permission_is_403_and_changes_nothing(
        api: Api, client: TestClient, db: Database, tenant: Tenant) -> None:
    order = api.create_order("+13032220001")
    other = api.create_order("+13032220002")
    document_id = put_loa(db, tenant, order["id"])
    read = share(api, order["id"], permissions=READ)["data"]["token"]
    update_token = share(api, order["id"], permissions=UPDATE)["data"]["token"]
    other_order_token = share(api, other["id"], permissions=UPDATE)["data"]["token"]
    before = snapshot(db)
    shared = f"/v2/porting_orders/{order['id']}/shared_documents"
    upload = {"files": {"file": ("x.pdf", PDF, "application/pdf")}}
    refused = [
        client.put(f"{shared}/loa", headers=bearer(read), **upload),  # read cannot update
        client.get(shared, headers=bearer(update_token)),  # update cannot read
        client.get(f"{shared}/{document_id}/download", headers=bearer(update_token)),
        client.put(f"{shared}/loa", headers=bearer(other_order_token), **upload),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["code"] == "10010"
    assert snapshot(db) == before


def test_a_sharing_token_opens_no_api_key_route(api: Api, client: TestClient,
                                                db: Database) -> None:
    order = api.create_order("+13032220001")
    token = share(api, order["id"], permissions=UPDATE)["data"]["token"]
    before = snapshot(db)
    for method, path, body in [
        ("GET", f"/v2/porting_orders/{order['id']}", None),
        ("PATCH", f"/v2/porting_orders/{order['id']}", {"customer_reference": "x"}),
        ("POST", f"/v2/porting_orders/{order['id']}/actions/share", {}),
        ("GET", f"/v2/porting_orders/{order['id']}/sub_request", None),
        ("GET", "/v2/porting/reports", None),
    ]:
        response = client.request(method, path, json=body, headers=bearer(token))
        assert response.status_code == 401, (method, path, response.text)
    assert snapshot(db) == before


# -- expiry -----------------------------------------------------------------------------
def test_the_scheduler_records_each_expiry_once(api: Api, db: Database) -> None:
    api.subscribe("webhook", "http://127.0.0.1:9/hook")
    order = api.create_order("+13032220001")
    ids = [share(api, order["id"], expires_in_seconds=60)["data"]["id"] for _ in range(5)]
    live = share(api, order["id"], expires_in_seconds=3600)["data"]["id"]
    deliveries_before = snapshot(db)["deliveries"]
    assert sharing.record_expiries(db, utcnow()) == 0  # none expired yet
    later = utcnow() + timedelta(seconds=61)
    counts: list[int] = []
    workers = [threading.Thread(target=lambda: counts.append(sharing.record_expiries(db, later)))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(counts) == 5
    assert sharing.record_expiries(db, later) == 0  # and never again
    events = api.events(**{"filter[type]": "porting_order.sharing_token_expired"})
    assert len(events) == 5
    assert {e["porting_order_id"] for e in events} == {order["id"]}
    assert all(e["payload"] is None and e["available_notification_methods"] == []
               for e in events)
    with db.reading() as session:
        rows = {r.id: r for r in session.execute(select(PortingOrderSharingToken)).scalars()}
    assert all(rows[i].expiry_recorded_at is not None for i in ids)
    assert rows[live].expiry_recorded_at is None
    assert snapshot(db)["deliveries"] == deliveries_before


def test_an_event_without_webhook_cannot_be_republished(api: Api, db: Database,
                                                        tenant: Tenant) -> None:
    order = api.create_order("+13032220001")
    put_loa(db, tenant, order["id"])
    [event] = api.events(**{"filter[type]": "porting_order.loa_updated"})
    before = snapshot(db)
    api.user("POST", f"/v2/porting/events/{event['id']}/republish", 422)
    assert snapshot(db) == before


# -- sub_request ------------------------------------------------------------------------
def test_sub_request_ids_are_derived_and_stable(api: Api, client: TestClient,
                                                other_tenant: Tenant) -> None:
    order = api.create_order("+13032220001", "+13032220002")
    path = f"/v2/porting_orders/{order['id']}/sub_request"
    draft = api.user("GET", path)["data"]
    assert list(draft) == ["sub_request_id", "port_request_id"]
    assert draft["port_request_id"] is None  # no port request before submission
    api.confirm(order["id"])
    submitted = api.user("GET", path)["data"]
    assert submitted["sub_request_id"] == draft["sub_request_id"]
    assert submitted["port_request_id"]
    assert api.user("GET", path) == {"data": submitted}
    split = api.op("POST", f"/v2/operator/porting_orders/{order['id']}/split", 201,
                   json={"phone_numbers": ["+13032220002"]})["data"]
    child = api.user("GET", f"/v2/porting_orders/{split['id']}/sub_request")["data"]
    assert child["port_request_id"] == submitted["port_request_id"]  # one port request
    assert child["sub_request_id"] != submitted["sub_request_id"]
    assert client.get(path, headers=other_tenant.headers).status_code == 404


def test_the_outbox_has_no_target_for_events_without_webhook(api: Api, db: Database,
                                                             tenant: Tenant) -> None:
    """The SDK types loa_updated and sharing_token_expired as PortingEventWithoutWebhook."""
    api.subscribe("webhook", "http://127.0.0.1:9/hook")
    with db.reading() as session:
        def found(event_type: str) -> int:
            return len(targets(session, tenant.organization_id, event_type,
                               "http://127.0.0.1:9/order"))

        assert found("porting_order.status_changed") == 2  # the channel and the webhook_url
        assert found("porting_order.loa_updated") == 0
        assert found("porting_order.sharing_token_expired") == 0
