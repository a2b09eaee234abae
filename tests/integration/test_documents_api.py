"""The documents API on both databases: uploads (JSON base64, the SDK's ?content-type=multipart
and real multipart), every refusal (changing nothing), body limits, retrieve / update / list /
delete / download, signed download links, document links, an order's LOA and invoice, and
tenancy."""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from portin.config import Settings, document_upload_body_bytes
from portin.domain import download_links
from portin.services import documents as service
from portin.storage.db import Database
from portin.storage.models import Document, DocumentChunk, DocumentLink, ServerSecret
from tests.conftest import Api, Tenant
from tests.support.receiver import Receiver

MAX_DOCUMENT = 1_500_000
# About 1.2 MB: two stored chunks, NUL bytes included (real PDFs hold binary streams).
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4700 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 50


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_document_bytes": MAX_DOCUMENT})


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def upload(client: TestClient, tenant: Tenant, data: bytes = PDF, expect: int = 200,
           path: str = "/v2/documents", **fields: Any) -> Any:
    body = {"file": b64(data), "filename": "loa.pdf", **fields}
    response = client.post(path, json=body, headers=tenant.headers)
    assert response.status_code == expect, response.text
    return response.json()


def counts(db: Database) -> tuple[int, int, int]:
    with db.reading() as session:
        return tuple(int(session.execute(select(func.count()).select_from(model)).scalar_one())
                     for model in (Document, DocumentChunk, DocumentLink))  # type: ignore[return-value]


# -- upload ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v2/documents", "/v2/documents?content-type=multipart"])
def test_a_json_upload_is_stored_and_answered_as_the_sdk_types_it(
        client: TestClient, tenant: Tenant, path: str) -> None:
    data = upload(client, tenant, path=path, customer_reference="ref-9")["data"]
    assert set(data) == {"id", "record_type", "created_at", "updated_at", "filename",
                         "content_type", "customer_reference", "sha256", "size", "status",
                         "av_scan_status"}
    assert data["record_type"] == "document"
    assert data["filename"] == "loa.pdf"
    assert data["content_type"] == "application/pdf"
    assert data["customer_reference"] == "ref-9"
    assert data["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert data["size"] == {"amount": len(PDF), "unit": "bytes"}
    assert data["status"] == "pending"
    assert data["av_scan_status"] == "not_scanned"
    assert data["created_at"].endswith("Z")
    again = client.get(f"/v2/documents/{data['id']}", headers=tenant.headers)
    assert again.status_code == 200
    assert again.json()["data"] == data


def test_a_multipart_upload_is_streamed_into_the_store(
        client: TestClient, tenant: Tenant, db: Database) -> None:
    response = client.post("/v2/documents", headers=tenant.headers,
                           files={"file": ("scan.pdf", PDF, "application/octet-stream")},
                           data={"customer_reference": "ref-m"})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["filename"] == "scan.pdf"  # the part's own name when no filename field
    assert data["customer_reference"] == "ref-m"
    assert data["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert counts(db)[1] == 2  # two chunks
    named = client.post("/v2/documents", headers=tenant.headers,
                        files={"file": ("x.bin", PNG, "image/png")},
                        data={"filename": "logo.png"})
    assert named.status_code == 200, named.text
    assert named.json()["data"]["filename"] == "logo.png"
    assert named.json()["data"]["content_type"] == "image/png"


def test_without_a_filename_a_document_is_named_after_its_kind(
        client: TestClient, tenant: Tenant) -> None:
    response = client.post("/v2/documents", json={"file": b64(PNG)}, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["filename"] == "document.png"


def test_mime_wrapped_base64_is_accepted(client: TestClient, tenant: Tenant) -> None:
    wrapped = base64.encodebytes(PDF).decode()  # a line break every 76 characters
    response = client.post("/v2/documents", json={"file": wrapped}, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["sha256"] == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize(("body", "status", "pointer"), [
    ({"file": "not base64!!"}, 422, "/file"),
    ({"file": "QUJD="}, 422, "/file"),  # length not a multiple of 4
    ({"file": "QQ==QUJD"}, 422, "/file"),  # padding inside
    ({"filename": "loa.pdf"}, 422, "/file"),
    ({"file": ""}, 422, "/file"),
    ({"file": b64(b"MZ\x90\x00 an executable")}, 422, "/file"),
    ({"file": b64(b"hello,world\n")}, 422, "/file"),
    ({"url": "https://example.com/loa.pdf"}, 422, "/url"),
    ({"url": "http://127.0.0.1/x", "file": b64(PDF)}, 422, "/url"),
    ({"file": b64(PDF), "filename": ""}, 422, "/filename"),
    ({"file": b64(PDF), "filename": "a\r\nb.pdf"}, 422, "/filename"),
    ({"file": b64(PDF), "filename": "a\x00.pdf"}, 422, "/filename"),
    ({"file": b64(PDF), "filename": "x" * 256}, 422, "/filename"),
    ({"file": b64(PDF), "customer_reference": "r" * 256}, 422, "/customer_reference"),
    ({"file": b64(PDF), "document_type": "loa"}, 422, "/document_type"),
    ({"file": 12}, 422, "/file"),
])
def test_a_bad_json_upload_is_refused_and_nothing_is_kept(
        client: TestClient, tenant: Tenant, db: Database, body: dict[str, Any], status: int,
        pointer: str) -> None:
    response = client.post("/v2/documents", json=body, headers=tenant.headers)
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["source"]["pointer"] == pointer
    assert counts(db) == (0, 0, 0)


def test_a_body_that_is_not_json_is_400_and_another_media_type_415(
        client: TestClient, tenant: Tenant, db: Database) -> None:
    broken = client.post("/v2/documents", content=b'{"file": "QUJD', headers={
        **tenant.headers, "Content-Type": "application/json"})
    assert broken.status_code == 400, broken.text
    plain = client.post("/v2/documents", content=PDF, headers={
        **tenant.headers, "Content-Type": "application/pdf"})
    assert plain.status_code == 415, plain.text
    assert plain.json()["errors"][0]["code"]
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(("files", "data", "pointer"), [
    (None, {"filename": "loa.pdf"}, "/file"),
    ({"file": ("a.pdf", b"", "application/pdf")}, {}, "/file"),
    ({"file": ("a.exe", b"MZ\x90\x00", "application/pdf")}, {}, "/file"),
    ({"file": ("a.pdf", PDF, "application/pdf")}, {"url": "https://example.com/a.pdf"}, "/url"),
    ({"file": ("a.pdf", PDF, "application/pdf")}, {"kind": "loa"}, "/kind"),
    ({"file": ("a.pdf", PDF, "application/pdf")}, {"filename": "a\nb"}, "/filename"),
    ({"file": ("a.pdf", PDF, "application/pdf")}, {"customer_reference": "r" * 256},
     "/customer_reference"),
])
def test_a_bad_multipart_upload_is_refused_and_nothing_is_kept(
        client: TestClient, tenant: Tenant, db: Database, files: Any, data: dict[str, str],
        pointer: str) -> None:
    if files is None:  # a form with fields only
        response = client.post("/v2/documents", headers=tenant.headers, data=data,
                               files={"other": ("x", b"y")})
        pointer = "/other"
    else:
        response = client.post("/v2/documents", headers=tenant.headers, files=files, data=data)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["source"]["pointer"] == pointer
    assert counts(db) == (0, 0, 0)


def test_a_form_without_a_file_part_is_refused(client: TestClient, tenant: Tenant,
                                                db: Database) -> None:
    response = client.post("/v2/documents", headers={
        **tenant.headers, "Content-Type": "multipart/form-data; boundary=b"},
        content=b'--b\r\nContent-Disposition: form-data; name="filename"\r\n\r\nx.pdf\r\n--b--\r\n')
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["source"]["pointer"] == "/file"
    assert counts(db) == (0, 0, 0)


# -- limits ------------------------------------------------------------------------------
def _pdf_of(size: int) -> bytes:
    return b"%PDF-" + b"x" * (size - 5)


def test_a_document_of_the_limit_is_taken_and_one_byte_more_is_413(
        client: TestClient, tenant: Tenant, db: Database) -> None:
    upload(client, tenant, _pdf_of(MAX_DOCUMENT))
    assert counts(db)[0] == 1
    too_big = upload(client, tenant, _pdf_of(MAX_DOCUMENT + 1), expect=413)
    assert too_big["errors"][0]["code"] == "10013"
    multipart = client.post("/v2/documents", headers=tenant.headers,
                            files={"file": ("a.pdf", _pdf_of(MAX_DOCUMENT + 1))})
    assert multipart.status_code == 413, multipart.text
    assert counts(db)[0] == 1


def test_the_upload_body_limit_is_what_the_largest_document_needs_and_no_more(
        client: TestClient, tenant: Tenant, settings: Settings, db: Database) -> None:
    limit = document_upload_body_bytes(settings)
    assert limit >= len(b64(_pdf_of(MAX_DOCUMENT))) + 1000
    assert limit < MAX_DOCUMENT * 4 // 3 + 100_000
    over = b"{" + b" " * limit + b"}"
    declared = client.post("/v2/documents", content=over, headers={
        **tenant.headers, "Content-Type": "application/json"})
    assert declared.status_code == 413, declared.text

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"file": "'
        for _ in range(limit // 65536 + 2):
            yield b"A" * 65536
        yield b'"}'

    streamed = client.post("/v2/documents", content=chunked(), headers={
        **tenant.headers, "Content-Type": "application/json"})
    assert streamed.status_code == 413, streamed.text
    assert counts(db) == (0, 0, 0)


def test_every_other_route_keeps_the_general_body_limit(
        client: TestClient, tenant: Tenant, settings: Settings) -> None:
    size = settings.max_body_bytes + 10
    for method, path in (("POST", "/v2/porting_orders"), ("PATCH", "/v2/documents/x"),
                         ("POST", "/v2/notification_profiles")):
        response = client.request(method, path, content=b" " * size, headers={
            **tenant.headers, "Content-Type": "application/json"})
        assert response.status_code == 413, (path, response.text)


# -- update, list, delete ----------------------------------------------------------------
def test_update_changes_filename_and_reference_only(
        client: TestClient, tenant: Tenant) -> None:
    document = upload(client, tenant, customer_reference="old")["data"]
    path = f"/v2/documents/{document['id']}"
    renamed = client.patch(path, json={"filename": "Ünïcode \"LOA\".pdf"},
                           headers=tenant.headers)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["data"]["filename"] == "Ünïcode \"LOA\".pdf"
    assert renamed.json()["data"]["customer_reference"] == "old"
    cleared = client.patch(path, json={"customer_reference": None}, headers=tenant.headers)
    assert cleared.json()["data"]["customer_reference"] is None
    before = client.get(path, headers=tenant.headers).json()["data"]
    for body, pointer in (({"filename": None}, "/filename"), ({"filename": "a\tb"}, "/filename"),
                          ({"sha256": "0" * 64}, "/sha256"), ({"filename": ""}, "/filename")):
        refused = client.patch(path, json=body, headers=tenant.headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["source"]["pointer"] == pointer
    assert client.get(path, headers=tenant.headers).json()["data"] == before


def test_list_filters_sorts_and_pages(client: TestClient, tenant: Tenant) -> None:
    made = [upload(client, tenant, filename=name, customer_reference=ref)["data"]
            for name, ref in (("b-loa.pdf", "r1"), ("a-invoice.pdf", "r2"),
                              ("c-loa.pdf", "r3"))]

    def names(**params: Any) -> list[str]:
        response = client.get("/v2/documents", params=params, headers=tenant.headers)
        assert response.status_code == 200, response.text
        return [d["filename"] for d in response.json()["data"]]

    assert names() == ["c-loa.pdf", "a-invoice.pdf", "b-loa.pdf"]  # newest first
    assert names(**{"filter[filename][contains]": "loa"}) == ["c-loa.pdf", "b-loa.pdf"]
    assert names(**{"filter[filename][contains]": "%"}) == []  # no wildcards
    assert names(**{"filter[customer_reference][eq]": "r2"}) == ["a-invoice.pdf"]
    assert names(**{"filter[customer_reference][in]": "r1,r3"}) == ["c-loa.pdf", "b-loa.pdf"]
    repeated = client.get("/v2/documents?filter[customer_reference][in][]=r1"
                          "&filter[customer_reference][in][]=r2", headers=tenant.headers)
    assert {d["filename"] for d in repeated.json()["data"]} == {"b-loa.pdf", "a-invoice.pdf"}
    middle = made[1]["created_at"]
    assert names(**{"filter[created_at][gt]": middle}) == ["c-loa.pdf"]
    assert names(**{"filter[created_at][lt]": middle}) == ["b-loa.pdf"]
    assert names(sort="filename") == ["a-invoice.pdf", "b-loa.pdf", "c-loa.pdf"]
    assert names(sort="-filename") == ["c-loa.pdf", "b-loa.pdf", "a-invoice.pdf"]
    assert names(sort="created_at") == ["b-loa.pdf", "a-invoice.pdf", "c-loa.pdf"]
    page = client.get("/v2/documents", params={"page[size]": 2, "page[number]": 2},
                      headers=tenant.headers).json()
    assert [d["filename"] for d in page["data"]] == ["b-loa.pdf"]
    assert page["meta"] == {"page_number": 2, "page_size": 2, "total_pages": 2,
                            "total_results": 3}
    for params in ({"sort": "size"}, {"filter[created_at][gt]": "yesterday"},
                   {"page[size]": 0}):
        assert client.get("/v2/documents", params=params,
                          headers=tenant.headers).status_code in (400, 422)


def test_delete_answers_the_document_and_a_document_in_use_is_409(
        api: Api, client: TestClient, tenant: Tenant, db: Database) -> None:
    loose = upload(client, tenant)["data"]
    deleted = client.delete(f"/v2/documents/{loose['id']}", headers=tenant.headers)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"data": loose}
    assert client.get(f"/v2/documents/{loose['id']}", headers=tenant.headers).status_code == 404
    assert counts(db) == (0, 0, 0)

    used = upload(client, tenant)["data"]
    order = api.create_order("+13035550101")
    api.user("PATCH", f"/v2/porting_orders/{order['id']}", json={"documents": {"loa": used["id"]}})
    refused = client.delete(f"/v2/documents/{used['id']}", headers=tenant.headers)
    assert refused.status_code == 409, refused.text
    detail = refused.json()["errors"][0]["detail"]
    assert f"porting_order {order['id']} (loa)" in detail
    assert counts(db) == (1, 2, 1)


# -- download ----------------------------------------------------------------------------
def test_download_streams_the_bytes_with_their_type_and_a_safe_filename(
        client: TestClient, tenant: Tenant) -> None:
    document = upload(client, tenant, filename='naïve "quote"\\.pdf')["data"]
    response = client.get(f"/v2/documents/{document['id']}/download", headers=tenant.headers)
    assert response.status_code == 200
    assert response.content == PDF
    assert hashlib.sha256(response.content).hexdigest() == document["sha256"]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-length"] == str(len(PDF))
    disposition = response.headers["content-disposition"]
    assert disposition == ('attachment; filename="na_ve _quote__.pdf";'
                           " filename*=UTF-8''na%C3%AFve%20%22quote%22%5C.pdf")


def test_a_download_link_works_without_a_key_until_it_expires(
        client: TestClient, tenant: Tenant, db: Database, settings: Settings) -> None:
    document = upload(client, tenant)["data"]
    response = client.get(f"/v2/documents/{document['id']}/download_link",
                          headers=tenant.headers)
    assert response.status_code == 200, response.text
    url = response.json()["data"]["url"]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://portal.test"
    link = f"{parts.path}?{parts.query}"
    fetched = client.get(link)  # no Authorization header
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["content-type"] == "application/pdf"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    expires = int(query["expires"])
    assert 0 < expires - int(__import__("time").time()) <= settings.document_link_seconds

    def status(path: str, **params: Any) -> int:
        answer = client.get(path, params=params)
        if answer.status_code != 200:
            assert answer.json()["errors"][0]["detail"]
        return answer.status_code

    signature = query["signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert status(parts.path, expires=expires, signature=flipped) == 403
    assert status(parts.path, expires=expires + 3600, signature=signature) == 403
    assert status(parts.path, expires=expires) == 403
    assert status(parts.path, signature=signature) == 403
    assert status(parts.path, expires="soon", signature=signature) == 403
    other = upload(client, tenant)["data"]
    assert status(f"/v2/documents/{other['id']}/signed_download",
                  expires=expires, signature=signature) == 403
    with db.reading() as session:
        secrets = session.execute(select(ServerSecret)).scalars().all()
        assert len(secrets) == 1
        secret = secrets[0].value
    past = int(__import__("time").time()) - 1
    expired = download_links.signature(secret, document["id"], past)
    assert status(parts.path, expires=past, signature=expired) == 403
    # A second link is signed with the same secret; a deleted document's link is 404.
    client.get(f"/v2/documents/{other['id']}/download_link", headers=tenant.headers)
    with db.reading() as session:
        assert session.execute(select(func.count()).select_from(ServerSecret)).scalar_one() == 1
    client.delete(f"/v2/documents/{document['id']}", headers=tenant.headers)
    assert status(parts.path, expires=expires, signature=signature) == 404


# -- orders' documents and links ---------------------------------------------------------
def _links(client: TestClient, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v2/document_links", params=params, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def _loa_events(api: Api, order_id: str) -> list[dict[str, Any]]:
    return [e for e in api.events(**{"filter[porting_order_id]": order_id})
            if e["event_type"] == "porting_order.loa_updated"]


def test_an_orders_loa_and_invoice_are_linked_moved_and_unlinked(
        api: Api, client: TestClient, tenant: Tenant) -> None:
    order = api.create_order("+13035550102")
    path = f"/v2/porting_orders/{order['id']}"
    first, second, invoice = (upload(client, tenant)["data"]["id"] for _ in range(3))

    patched = api.user("PATCH", path, json={"documents": {"loa": first, "invoice": invoice}})
    assert patched["data"]["documents"] == {"loa": first, "invoice": invoice}
    links = _links(client, tenant, **{"filter[linked_resource_id]": order["id"]})
    assert {(row["document_id"], row["linked_record_type"]) for row in links} == {
        (first, "porting_order"), (invoice, "porting_order")}
    assert set(links[0]) == {"id", "record_type", "document_id", "linked_record_type",
                             "linked_resource_id", "created_at", "updated_at"}
    assert all(row["record_type"] == "document_link" for row in links)
    events = _loa_events(api, order["id"])
    assert len(events) == 1
    assert events[0]["payload"] is None

    api.user("PATCH", path, json={"documents": {"loa": first}})  # the same: no new event
    assert len(_loa_events(api, order["id"])) == 1
    api.user("PATCH", path, json={"documents": {"loa": second}})  # replaced: moved, an event
    loa_links = [row["document_id"] for row in _links(
        client, tenant, **{"filter[linked_resource_id]": order["id"]})]
    assert sorted(loa_links) == sorted([second, invoice])
    assert len(_loa_events(api, order["id"])) == 2
    # The replaced LOA is free again.
    assert client.delete(f"/v2/documents/{first}", headers=tenant.headers).status_code == 200

    cleared = api.user("PATCH", path, json={"documents": {"invoice": None}})
    assert cleared["data"]["documents"] == {"loa": second, "invoice": None}
    assert [row["document_id"] for row in _links(client, tenant)] == [second]
    assert len(_loa_events(api, order["id"])) == 2
    assert _links(client, tenant, **{"filter[linked_record_type]": "loa_configuration"}) == []
    paged = client.get("/v2/document_links", params={"page[size]": 1},
                       headers=tenant.headers).json()
    assert paged["meta"]["total_results"] == 1


def test_an_unknown_or_foreign_document_on_an_order_is_422_and_changes_nothing(
        api: Api, client: TestClient, tenant: Tenant, other_tenant: Tenant,
        db: Database) -> None:
    order = api.create_order("+13035550103")
    path = f"/v2/porting_orders/{order['id']}"
    mine = upload(client, tenant)["data"]["id"]
    foreign = upload(client, other_tenant)["data"]["id"]
    api.user("PATCH", path, json={"documents": {"invoice": mine}})
    before = api.user("GET", path)["data"]
    for documents, pointer in (({"loa": foreign}, "/documents/loa"),
                               ({"loa": "no-such-document"}, "/documents/loa"),
                               ({"loa": mine, "invoice": foreign}, "/documents/invoice")):
        refused = client.patch(path, json={"documents": documents}, headers=tenant.headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["source"]["pointer"] == pointer
    after = api.user("GET", path)["data"]
    assert after["documents"] == before["documents"]
    assert after["updated_at"] == before["updated_at"]
    assert [row["document_id"] for row in _links(client, tenant)] == [mine]
    assert _loa_events(api, order["id"]) == []


def test_deleting_a_draft_unlinks_its_documents_and_keeps_them(
        api: Api, client: TestClient, tenant: Tenant, db: Database) -> None:
    order = api.create_order("+13035550104")
    document = upload(client, tenant)["data"]["id"]
    api.user("PATCH", f"/v2/porting_orders/{order['id']}", json={"documents": {"loa": document}})
    api.user("DELETE", f"/v2/porting_orders/{order['id']}", 204)
    assert _links(client, tenant) == []
    assert client.get(f"/v2/documents/{document}", headers=tenant.headers).status_code == 200
    assert counts(db)[2] == 0
    assert client.delete(f"/v2/documents/{document}", headers=tenant.headers).status_code == 200


# -- tenancy and logs --------------------------------------------------------------------
def test_another_organizations_document_is_404_everywhere(
        client: TestClient, tenant: Tenant, other_tenant: Tenant, db: Database) -> None:
    document = upload(client, tenant)["data"]
    path = f"/v2/documents/{document['id']}"
    for method, suffix, body in (("GET", "", None), ("PATCH", "", {"filename": "x.pdf"}),
                                 ("DELETE", "", None), ("GET", "/download", None),
                                 ("GET", "/download_link", None)):
        response = client.request(method, path + suffix, json=body,
                                  headers=other_tenant.headers)
        assert response.status_code == 404, (method, suffix, response.text)
        assert response.json()["errors"][0]["code"] == "10005"
    assert client.get("/v2/documents", headers=other_tenant.headers).json()["data"] == []
    assert client.get(path, headers=tenant.headers).json()["data"] == document
    with db.reading() as session:
        assert session.execute(select(func.count()).select_from(ServerSecret)).scalar_one() == 0


def test_a_route_without_a_key_is_refused(client: TestClient) -> None:
    for method, path in (("POST", "/v2/documents"), ("GET", "/v2/documents"),
                         ("GET", "/v2/documents/x/download"), ("GET", "/v2/document_links")):
        assert client.request(method, path).status_code == 401


def test_uploads_and_refusals_log_no_document_content(
        client: TestClient, tenant: Tenant, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret_text = b"%PDF-1.4 confidential-account-4242"
    upload(client, tenant, secret_text, filename="secret-name.pdf")
    upload(client, tenant, b"MZ confidential-account-4242", expect=422)
    client.post("/v2/documents", json={"file": "!!" + b64(secret_text)}, headers=tenant.headers)
    logged = caplog.text
    for needle in ("confidential-account-4242", b64(secret_text)[:20], "secret-name"):
        assert needle not in logged


def test_the_service_keeps_working_for_other_callers(db: Database, tenant: Tenant) -> None:
    """store_document's signature stays as the core made it (other areas call it)."""
    from portin.domain.timefmt import utcnow
    with db.writing() as session:
        document = service.store_document(session, tenant.organization_id, "r.csv",
                                          [b"a,b\n"], utcnow(), max_bytes=100,
                                          content_type="text/csv")
        assert document.content_type == "text/csv"


def test_the_loa_event_is_recorded_with_a_null_payload_and_sent_nowhere(
        api: Api, client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    """The public API types porting_order.loa_updated as an event without a webhook: it is in
    the event history, and no channel nor the order's webhook_url is sent it."""
    api.subscribe("email", "desk@example.com")
    order = api.create_order("+13035550105", reference="loa-ref")
    document = upload(client, tenant)["data"]["id"]
    api.user("PATCH", f"/v2/porting_orders/{order['id']}",
             json={"webhook_url": receiver.url("/order")})
    api.user("PATCH", f"/v2/porting_orders/{order['id']}",
             json={"documents": {"loa": document}})
    events = api.user("GET", "/v2/porting/events", params={
        "filter[porting_order_id]": order["id"],
        "filter[type]": "porting_order.loa_updated"})["data"]
    (event,) = events
    assert event["payload"] is None and event["available_notification_methods"] == []
    assert [d for d in api.deliveries()
            if d["webhook"]["event_type"] == "porting_order.loa_updated"] == []
