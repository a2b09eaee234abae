"""LOA configurations, the order's LOA (a real PDF, read back with pypdf) and additional
documents, in-process on both databases. Documents are stored with `store_document` (the
upload API is another module's); every refusal is shown to change nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from portin.domain.errors import Conflict
from portin.domain.timefmt import utcnow
from portin.services import documents
from portin.storage import documents as document_store
from portin.storage.db import Database
from portin.storage.models import (
    Document,
    DocumentLink,
    LoaConfiguration,
    PortingAdditionalDocument,
)
from tests.conftest import Api, Tenant

CONFIGS = "/v2/porting/loa_configurations"


def png_bytes(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (90, 30), color).save(buffer, "PNG")
    return buffer.getvalue()


PDF_FILE = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def store(db: Database, tenant: Tenant, data: bytes, filename: str = "logo.png") -> str:
    with db.writing() as session:
        return documents.store_document(session, tenant.organization_id, filename, [data],
                                        utcnow(), max_bytes=5 * 1024 * 1024).id


def body(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Main branding",
        "company_name": "Acme Telco",
        "address": {"street_address": "600 Congress Avenue", "extended_address": "14th Floor",
                    "city": "Austin", "state": "TX", "zip_code": "78701",
                    "country_code": "us"},
        "contact": {"email": "loa@acme.example", "phone_number": "+12003270001"},
        "logo": None,
    }
    fields.update(changes)
    return fields


def snapshot(db: Database) -> dict[str, Any]:
    """Every row this module's routes can write, to prove a refusal changed nothing."""
    with db.reading() as session:
        def rows(model: Any) -> list[tuple[Any, ...]]:
            table = model.__table__
            return sorted(tuple(row) for row in session.execute(select(table)).all())
        return {"configurations": rows(LoaConfiguration), "links": rows(DocumentLink),
                "additional": rows(PortingAdditionalDocument),
                "documents": session.execute(select(func.count()).select_from(Document))
                .scalar_one()}


def logo_links(db: Database, tenant: Tenant, configuration_id: str) -> list[str]:
    with db.reading() as session:
        return [link.document_id for link in
                document_store.links_to(session, tenant.organization_id, configuration_id,
                                        "logo")]


def read_pdf(response: Any) -> tuple[PdfReader, str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def errors_of(response: Any, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    return list(response.json()["errors"])


# -- configurations ---------------------------------------------------------------------
def test_a_configuration_is_created_read_listed_updated_and_deleted(api: Api) -> None:
    created = api.user("POST", CONFIGS, 201, json=body())["data"]
    assert created == {
        "id": created["id"], "name": "Main branding", "company_name": "Acme Telco",
        "organization_id": api.tenant.organization_id,
        "address": {"city": "Austin", "country_code": "US", "extended_address": "14th Floor",
                    "state": "TX", "street_address": "600 Congress Avenue",
                    "zip_code": "78701"},
        "contact": {"email": "loa@acme.example", "phone_number": "+12003270001"},
        "logo": None, "record_type": "porting_loa_configuration",
        "created_at": created["created_at"], "updated_at": created["created_at"]}
    assert api.user("GET", f"{CONFIGS}/{created['id']}")["data"] == created

    second = api.user("POST", CONFIGS, 201, json=body(name="Second"))["data"]
    listed = api.user("GET", CONFIGS, params={"page[size]": 1})
    assert [c["id"] for c in listed["data"]] == [second["id"]]  # newest first
    assert listed["meta"] == {"page_number": 1, "page_size": 1, "total_pages": 2,
                              "total_results": 2}

    updated = api.user("PATCH", f"{CONFIGS}/{created['id']}",
                       json={"company_name": "Acme Telco Ltd",
                             "contact": {"email": "ports@acme.example",
                                         "phone_number": "+12003270002"}})["data"]
    assert updated["company_name"] == "Acme Telco Ltd"
    assert updated["contact"] == {"email": "ports@acme.example",
                                  "phone_number": "+12003270002"}
    assert updated["address"] == created["address"] and updated["name"] == "Main branding"

    # The SDK's update sends every field, as create does.
    full = api.user("PATCH", f"{CONFIGS}/{created['id']}", json=body(name="Renamed"))["data"]
    assert full["name"] == "Renamed" and full["company_name"] == "Acme Telco"

    assert api.user("DELETE", f"{CONFIGS}/{created['id']}", 204) is None
    api.user("GET", f"{CONFIGS}/{created['id']}", 404)
    assert api.user("GET", CONFIGS)["meta"]["total_results"] == 1


def test_the_logo_is_the_organizations_png_linked_while_it_is_used(
        api: Api, db: Database) -> None:
    tenant = api.tenant
    first, second = store(db, tenant, png_bytes()), store(db, tenant, png_bytes((0, 0, 255)))
    created = api.user("POST", CONFIGS, 201, json=body(logo={"document_id": first}))["data"]
    assert created["logo"] == {"content_type": "image/png", "document_id": first}
    assert logo_links(db, tenant, created["id"]) == [first]
    with pytest.raises(Conflict), db.writing() as session:  # in use: not deletable
        documents.delete_document(
            session, documents.require_document(session, first, tenant.organization_id))

    moved = api.user("PATCH", f"{CONFIGS}/{created['id']}",
                     json={"logo": {"document_id": second}})["data"]
    assert moved["logo"] == {"content_type": "image/png", "document_id": second}
    assert logo_links(db, tenant, created["id"]) == [second]

    same = api.user("PATCH", f"{CONFIGS}/{created['id']}", json=body(
        logo={"document_id": second}))["data"]
    assert same["logo"]["document_id"] == second
    assert logo_links(db, tenant, created["id"]) == [second]

    cleared = api.user("PATCH", f"{CONFIGS}/{created['id']}", json={"logo": None})["data"]
    assert cleared["logo"] is None and logo_links(db, tenant, created["id"]) == []

    api.user("PATCH", f"{CONFIGS}/{created['id']}", json={"logo": {"document_id": first}})
    api.user("DELETE", f"{CONFIGS}/{created['id']}", 204)
    assert logo_links(db, tenant, created["id"]) == []
    with db.reading() as session:  # the documents stay, and nothing holds them now
        assert documents.require_document(session, first, tenant.organization_id)
        assert document_store.count_links(session, first) == 0


@pytest.mark.parametrize(("change", "pointer"), [
    ({"logo": {"document_id": "pdf"}}, "/logo/document_id"),
    ({"logo": {"document_id": "other"}}, "/logo/document_id"),
    ({"logo": {"document_id": "00000000-0000-7000-8000-000000000000"}}, "/logo/document_id"),
    ({"contact": {"email": "not-an-email", "phone_number": "+12003270001"}},
     "/contact/email"),
    ({"contact": {"email": "a@b.example", "phone_number": "12345"}}, "/contact/phone_number"),
    ({"contact": {"email": "a@b.example", "phone_number": "+12003270001\n"}},
     "/contact/phone_number"),
    ({"name": "   "}, "/name"),
    ({"company_name": "x" * 256}, "/company_name"),
    ({"address": {"city": "Austin", "state": "TX", "street_address": "1 Main",
                  "zip_code": "1", "country_code": "USA"}}, "/address/country_code"),
    ({"address": {"city": "Austin", "state": "TX", "zip_code": "1", "country_code": "US"}},
     "/address/street_address"),
    ({"colour": "red"}, "/colour"),
    ({"name": "a\x00b"}, "/name"),
])
def test_a_bad_configuration_is_refused_on_create_preview_and_update_and_changes_nothing(
        api: Api, db: Database, other_tenant: Tenant, change: dict[str, Any],
        pointer: str) -> None:
    aliases = {"pdf": store(db, api.tenant, PDF_FILE, "loa.pdf"),
               "other": store(db, other_tenant, png_bytes())}
    if "logo" in change:
        change = {"logo": {"document_id": aliases.get(change["logo"]["document_id"],
                                                      change["logo"]["document_id"])}}
    existing = api.user("POST", CONFIGS, 201, json=body())["data"]
    before = snapshot(db)
    for method, path, sent in (("POST", CONFIGS, body(**change)),
                               ("POST", f"{CONFIGS}/preview", body(**change)),
                               ("PATCH", f"{CONFIGS}/{existing['id']}", change)):
        response = api.client.request(method, path, json=sent, headers=api.tenant.headers)
        errors = errors_of(response, 422)
        assert errors[0]["source"]["pointer"] == pointer, (method, path, errors)
    assert snapshot(db) == before
    assert api.user("GET", f"{CONFIGS}/{existing['id']}")["data"] == existing


@pytest.mark.parametrize("field", ["name", "company_name", "address", "contact"])
def test_update_cannot_clear_a_required_field(api: Api, db: Database, field: str) -> None:
    existing = api.user("POST", CONFIGS, 201, json=body())["data"]
    before = snapshot(db)
    response = api.client.patch(f"{CONFIGS}/{existing['id']}", json={field: None},
                                headers=api.tenant.headers)
    assert errors_of(response, 422)[0]["source"]["pointer"] == f"/{field}"
    assert snapshot(db) == before


def test_another_organizations_configuration_is_a_404_everywhere(
        client: TestClient, api: Api, db: Database, other_tenant: Tenant) -> None:
    logo = store(db, other_tenant, png_bytes())
    theirs = client.post(CONFIGS, json=body(logo={"document_id": logo}),
                         headers=other_tenant.headers).json()["data"]
    order = api.create_order("+13035550101")
    before = snapshot(db)
    for method, path, kwargs in (
            ("GET", f"{CONFIGS}/{theirs['id']}", {}),
            ("PATCH", f"{CONFIGS}/{theirs['id']}", {"json": {"name": "mine now"}}),
            ("DELETE", f"{CONFIGS}/{theirs['id']}", {}),
            ("GET", f"{CONFIGS}/{theirs['id']}/preview", {}),
            ("GET", f"/v2/porting_orders/{order['id']}/loa_template",
             {"params": {"loa_configuration_id": theirs["id"]}})):
        response = client.request(method, path, headers=api.tenant.headers, **kwargs)
        assert response.status_code == 404, (method, path, response.text)
    assert api.user("GET", CONFIGS)["data"] == []
    assert snapshot(db) == before
    assert logo_links(db, other_tenant, theirs["id"]) == [logo]


# -- the LOA PDFs -----------------------------------------------------------------------
NUMBERS = [f"+1303555{index:04d}" for index in range(2000, 2400)]


def order_with_end_user(api: Api, numbers: list[str]) -> dict[str, Any]:
    order = api.create_order(*numbers)
    api.user("PATCH", f"/v2/porting_orders/{order['id']}", json={"end_user": {
        "admin": {"entity_name": "Globex 😀 東京 Corporation", "auth_person_name": "Dana Scully",
                  "account_number": "ACC-42", "billing_phone_number": "+13035550100"},
        "location": {"street_address": "1 Main Street", "extended_address": "Suite 5",
                     "locality": "Springfield", "administrative_area": "IL",
                     "postal_code": "62701", "country_code": "US"}}})
    return order


def test_the_orders_loa_holds_its_end_user_every_number_the_branding_and_a_signature(
        client: TestClient, api: Api, db: Database) -> None:
    order = order_with_end_user(api, NUMBERS)
    logo = store(db, api.tenant, png_bytes())
    api.user("POST", CONFIGS, 201, json=body(company_name="First Branding Co"))
    named = api.user("POST", CONFIGS, 201, json=body(
        company_name="Acme Telco 🚀 株式会社", logo={"document_id": logo}))["data"]

    reader, text = read_pdf(client.get(
        f"/v2/porting_orders/{order['id']}/loa_template",
        params={"loa_configuration_id": named["id"]},
        headers={**api.tenant.headers, "Accept": "application/pdf"}))
    assert len(reader.pages) > 1
    for expected in ("Letter of Authorization", "Globex ? ?? Corporation", "Dana Scully",
                     "ACC-42", "+13035550100", "1 Main Street", "Suite 5",
                     "Springfield, IL 62701", "Acme Telco ? ????", "600 Congress Avenue",
                     "14th Floor", "Austin, TX 78701, US", "loa@acme.example",
                     "+12003270001", f"Telephone numbers to port ({len(NUMBERS)})",
                     "Authorized signature:", "Printed name: Dana Scully", "Date:"):
        assert expected in text, expected
    assert all(number in text for number in NUMBERS)
    assert len(reader.pages[0].images) == 1  # the logo, read from the document's bytes

    # Without a configuration named: the organization's first one.
    _, default = read_pdf(client.get(f"/v2/porting_orders/{order['id']}/loa_template",
                                     headers=api.tenant.headers))
    assert "First Branding Co" in default and "Acme Telco" not in default


def test_an_organization_without_configurations_gets_an_unbranded_but_whole_letter(
        client: TestClient, api: Api) -> None:
    order = order_with_end_user(api, NUMBERS[:2])
    reader, text = read_pdf(client.get(f"/v2/porting_orders/{order['id']}/loa_template",
                                       headers=api.tenant.headers))
    assert "the new service provider" in text and "Dana Scully" in text
    assert all(number in text for number in NUMBERS[:2])
    assert not reader.pages[0].images


def test_a_logo_that_is_not_a_drawable_png_leaves_the_letter_without_it(
        client: TestClient, api: Api, db: Database) -> None:
    broken = store(db, api.tenant, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    config = api.user("POST", CONFIGS, 201, json=body(logo={"document_id": broken}))["data"]
    reader, text = read_pdf(client.get(f"{CONFIGS}/{config['id']}/preview",
                                       headers=api.tenant.headers))
    assert "Acme Telco" in text and not reader.pages[0].images


def test_previews_draw_the_branding_with_blanks_for_an_order(
        client: TestClient, api: Api, db: Database) -> None:
    logo = store(db, api.tenant, png_bytes())
    before = snapshot(db)
    reader, text = read_pdf(client.post(f"{CONFIGS}/preview", json=body(
        company_name="Preview Co", logo={"document_id": logo}), headers=api.tenant.headers))
    assert "Letter of Authorization (preview)" in text and "Preview Co" in text
    assert "Entity name: ____" in text and "Authorized signature:" in text
    assert len(reader.pages[0].images) == 1
    assert snapshot(db) == before  # a preview stores nothing

    saved = api.user("POST", CONFIGS, 201, json=body(company_name="Saved Co"))["data"]
    _, text = read_pdf(client.get(f"{CONFIGS}/{saved['id']}/preview",
                                  headers=api.tenant.headers))
    assert "Saved Co" in text and "(preview)" in text


def test_the_loa_of_an_unknown_or_foreign_order_is_a_404(
        client: TestClient, api: Api, other_tenant: Tenant) -> None:
    order = api.create_order("+13035550102")
    for headers, order_id in ((api.tenant.headers, "00000000-0000-7000-8000-000000000000"),
                              (other_tenant.headers, order["id"])):
        response = client.get(f"/v2/porting_orders/{order_id}/loa_template", headers=headers)
        assert response.status_code == 404, response.text
    response = client.get(f"/v2/porting_orders/{order['id']}/loa_template",
                          params={"loa_configuration_id": "nope"}, headers=api.tenant.headers)
    assert response.status_code == 404


# -- additional documents ---------------------------------------------------------------
def additional(order_id: str) -> str:
    return f"/v2/porting_orders/{order_id}/additional_documents"


def test_additional_documents_are_attached_listed_filtered_and_removed(
        api: Api, db: Database) -> None:
    order = api.create_order("+13035550103")
    csr, invoice, other = (store(db, api.tenant, PDF_FILE, "csr.pdf"),
                           store(db, api.tenant, png_bytes(), "invoice.png"),
                           store(db, api.tenant, PDF_FILE, "extra.pdf"))
    created = api.user("POST", additional(order["id"]), 201, json={"additional_documents": [
        {"document_id": csr, "document_type": "csr"},
        {"document_id": invoice, "document_type": "invoice"}]})["data"]
    first = created[0]
    assert first == {"id": first["id"], "porting_order_id": order["id"], "document_id": csr,
                     "document_type": "csr", "content_type": "application/pdf",
                     "filename": "csr.pdf", "record_type": "porting_additional_document",
                     "created_at": first["created_at"], "updated_at": first["created_at"]}
    assert created[1]["content_type"] == "image/png"
    api.user("POST", additional(order["id"]), 201, json={"additional_documents": [
        {"document_id": other, "document_type": "other"}]})
    with db.reading() as session:
        links = document_store.links_to(session, api.tenant.organization_id, order["id"],
                                        "additional")
        assert sorted(link.document_id for link in links) == sorted([csr, invoice, other])
        assert {link.linked_record_type for link in links} == {"porting_order"}

    listed = api.user("GET", additional(order["id"]))
    assert [d["document_id"] for d in listed["data"]] == [other, invoice, csr]
    assert listed["meta"]["total_results"] == 3
    oldest = api.user("GET", additional(order["id"]), params={"sort[value]": "created_at",
                                                              "page[size]": 2})
    assert [d["document_id"] for d in oldest["data"]] == [csr, invoice]
    assert oldest["meta"]["total_pages"] == 2
    filtered = api.user("GET", additional(order["id"]),
                        params={"filter[document_type]": "csr,other"})
    assert [d["document_id"] for d in filtered["data"]] == [other, csr]

    api.user("DELETE", f"{additional(order['id'])}/{first['id']}", 204)
    api.user("DELETE", f"{additional(order['id'])}/{first['id']}", 404)
    assert [d["document_id"] for d in api.user("GET", additional(order["id"]))["data"]] == [
        other, invoice]
    with db.reading() as session:
        assert document_store.count_links(session, csr) == 0
        assert document_store.count_links(session, invoice) == 1
        assert documents.require_document(session, csr, api.tenant.organization_id)


@pytest.mark.parametrize(("items", "pointer"), [
    ([{"document_id": "theirs", "document_type": "csr"}],
     "/additional_documents/0/document_id"),
    ([{"document_id": "mine", "document_type": "loa"},
      {"document_id": "00000000-0000-7000-8000-000000000000", "document_type": "loa"}],
     "/additional_documents/1/document_id"),
    ([{"document_id": "mine", "document_type": "loa"},
      {"document_id": "mine", "document_type": "csr"}], "/additional_documents/1/document_id"),
    ([{"document_id": "attached", "document_type": "other"}],
     "/additional_documents/0/document_id"),
    ([{"document_id": "mine", "document_type": "passport"}],
     "/additional_documents/0/document_type"),
    ([{"document_id": "mine"}], "/additional_documents/0/document_type"),
    ([], "/additional_documents"),
])
def test_bad_additional_documents_are_refused_and_nothing_is_attached(
        api: Api, db: Database, other_tenant: Tenant, items: list[dict[str, Any]],
        pointer: str) -> None:
    order = api.create_order("+13035550104")
    aliases = {"mine": store(db, api.tenant, PDF_FILE), "attached": store(db, api.tenant,
                                                                           PDF_FILE),
               "theirs": store(db, other_tenant, PDF_FILE)}
    api.user("POST", additional(order["id"]), 201, json={"additional_documents": [
        {"document_id": aliases["attached"], "document_type": "csr"}]})
    sent = [{**item, "document_id": aliases.get(item["document_id"], item["document_id"])}
            if "document_id" in item else item for item in items]
    before = snapshot(db)
    response = api.client.post(additional(order["id"]), json={"additional_documents": sent},
                               headers=api.tenant.headers)
    assert errors_of(response, 422)[0]["source"]["pointer"] == pointer
    assert snapshot(db) == before


def test_additional_documents_of_an_unknown_or_foreign_order_are_a_404(
        client: TestClient, api: Api, db: Database, other_tenant: Tenant) -> None:
    order = api.create_order("+13035550105")
    mine = store(db, api.tenant, PDF_FILE)
    attached = api.user("POST", additional(order["id"]), 201, json={"additional_documents": [
        {"document_id": mine, "document_type": "loa"}]})["data"][0]
    theirs = store(db, other_tenant, PDF_FILE)
    before = snapshot(db)
    for order_id in (order["id"], "00000000-0000-7000-8000-000000000000"):
        for method, path, kwargs in (
                ("POST", additional(order_id), {"json": {"additional_documents": [
                    {"document_id": theirs, "document_type": "loa"}]}}),
                ("GET", additional(order_id), {}),
                ("DELETE", f"{additional(order_id)}/{attached['id']}", {})):
            headers = (other_tenant.headers if order_id == order["id"]
                       else api.tenant.headers)
            response = client.request(method, path, headers=headers, **kwargs)
            assert response.status_code == 404, (method, path, response.text)
    # An additional document of another order of the same organization is not this one's.
    second = api.create_order("+13035550106")
    api.user("DELETE", f"{additional(second['id'])}/{attached['id']}", 404)
    assert snapshot(db) == before


def test_bad_list_parameters_are_refused(api: Api) -> None:
    order = api.create_order("+13035550107")
    for params in ({"filter[document_type]": "passport"}, {"sort[value]": "name"},
                   {"page[size]": "0"}):
        response = api.client.get(additional(order["id"]), params=params,
                                  headers=api.tenant.headers)
        assert response.status_code == 422, (params, response.text)
    response = api.client.get(CONFIGS, params={"page[number]": "x"},
                              headers=api.tenant.headers)
    assert response.status_code == 400
