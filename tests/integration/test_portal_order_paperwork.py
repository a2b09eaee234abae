"""The portal's order page: requirements, documents (upload, download, LOA template),
sharing links, number ranges, FOC windows, activation and verification state. Every form
needs the CSRF token; another organization's order or document is a 404."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.services import documents as document_service
from portin.storage.db import Database
from tests.conftest import Api, Tenant
from tests.integration.test_activation_api import confirmed_order
from tests.integration.test_security_headers import _hidden_token, _sign_in

LOA_TYPE = "9c467809-9f49-42cb-a3c4-4007acfc128e"
ACCOUNT_TYPE = "5a91687c-c03b-4367-852d-b428bb78e9dd"
PDF = b"%PDF-1.4\n% a signed letter of authorization\n%%EOF\n"
MAX_DOCUMENT_BYTES = 4096
US_LOCAL = "+13032220001"
MOBILE_AU = "+61412345678"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The usual test settings with a small document limit, to test "too big" cheaply."""
    return Settings(database_url=database_url, allow_private_webhooks=True,
                    retry_base_seconds=0.05, delivery_timeout_seconds=1.0,
                    worker_poll_seconds=0.05, public_base_url="http://portal.test",
                    max_document_bytes=MAX_DOCUMENT_BYTES)


@pytest.fixture
def order_id(client: TestClient, db: Database, tenant: Tenant, api: Api) -> str:
    _sign_in(client, db, tenant)
    return str(api.create_order(US_LOCAL)["id"])


def csrf(client: TestClient, order_id: str) -> str:
    return _hidden_token(client.get(f"/orders/{order_id}").text)


def upload(client: TestClient, order_id: str, content: bytes, purpose: str = "loa",
           token: str | None = None, name: str = "signed.pdf") -> Any:
    data = {"purpose": purpose}
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/orders/{order_id}/documents", data=data,
                       files={"file": (name, content, "application/pdf")},
                       follow_redirects=False)


def order_of(api: Api, order_id: str) -> dict[str, Any]:
    return dict(api.user("GET", f"/v2/porting_orders/{order_id}")["data"])


# -- requirements ---------------------------------------------------------------------------
def test_the_page_lists_the_requirements_with_their_state(client: TestClient,
                                                          order_id: str) -> None:
    page = client.get(f"/orders/{order_id}")
    assert page.status_code == 200
    assert 'id="requirements-h"' in page.text
    assert "requirement-info-pending" in page.text
    assert "not all met" in page.text
    assert f'value="{ACCOUNT_TYPE}"' in page.text  # the textual one has a form


def test_a_textual_requirement_is_filled_in_by_its_form(client: TestClient, api: Api,
                                                        order_id: str) -> None:
    answer = client.post(f"/orders/{order_id}/requirements", data={
        "requirement_type_id": ACCOUNT_TYPE, "field_value": "8401234567",
        "csrf_token": csrf(client, order_id)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    shown = api.user("GET", f"/v2/porting_orders/{order_id}/requirements")["data"]
    account = next(r for r in shown if r["requirement_type"]["id"] == ACCOUNT_TYPE)
    assert account["field_value"] == "8401234567"
    assert account["requirement_status"] == "requirement-info-under-review"
    page = client.get(answer.headers["location"])
    assert "Requirement saved." in page.text and 'value="8401234567"' in page.text


def test_a_requirement_of_an_order_past_draft_cannot_change(client: TestClient, db: Database,
                                                          tenant: Tenant, api: Api) -> None:
    _sign_in(client, db, tenant)
    order_id = confirmed_order(api, "+13034440002")
    answer = client.post(f"/orders/{order_id}/requirements", data={
        "requirement_type_id": ACCOUNT_TYPE, "field_value": "8401234567",
        "csrf_token": csrf(client, order_id)})
    assert answer.status_code in (409, 422), answer.status_code
    assert "field-error" in answer.text
    shown = api.user("GET", f"/v2/porting_orders/{order_id}/requirements")["data"]
    assert all(r.get("field_value") != "8401234567" for r in shown)


def test_a_requirement_the_order_has_not_is_refused_beside_the_form(
        client: TestClient, api: Api, order_id: str) -> None:
    answer = client.post(f"/orders/{order_id}/requirements", data={
        "requirement_type_id": "no-such-type", "field_value": "x",
        "csrf_token": csrf(client, order_id)})
    assert answer.status_code == 422
    assert "Unknown requirement type" in answer.text
    assert all(r.get("field_value") is None for r in
               api.user("GET", f"/v2/porting_orders/{order_id}/requirements")["data"])


def test_a_document_requirement_is_not_given_text(client: TestClient, order_id: str) -> None:
    answer = client.post(f"/orders/{order_id}/requirements", data={
        "requirement_type_id": LOA_TYPE, "field_value": "x",
        "csrf_token": csrf(client, order_id)})
    assert answer.status_code == 422
    assert "document requirement" in answer.text


# -- documents ------------------------------------------------------------------------------
def test_an_uploaded_loa_is_the_orders_loa_and_downloads(client: TestClient, api: Api,
                                                        order_id: str) -> None:
    answer = upload(client, order_id, PDF, token=csrf(client, order_id))
    assert answer.status_code == 303, answer.text
    loa_id = order_of(api, order_id)["documents"]["loa"]
    assert loa_id
    assert "porting_order.loa_updated" in {e["event_type"] for e in api.events()}
    page = client.get(f"/orders/{order_id}")
    assert "LOA uploaded." in page.text
    assert f'href="/orders/{order_id}/documents/{loa_id}"' in page.text
    download = client.get(f"/orders/{order_id}/documents/{loa_id}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"


def test_an_uploaded_invoice_is_the_orders_invoice(client: TestClient, api: Api,
                                                   order_id: str) -> None:
    answer = upload(client, order_id, PDF, "invoice", csrf(client, order_id), "bill.pdf")
    assert answer.status_code == 303, answer.text
    assert order_of(api, order_id)["documents"]["invoice"]


def test_a_file_that_is_not_a_pdf_or_image_is_refused_beside_the_field(
        client: TestClient, api: Api, order_id: str) -> None:
    answer = upload(client, order_id, b"just some text", token=csrf(client, order_id),
                    name="notes.txt")
    assert answer.status_code == 422
    assert "must be a PDF, PNG or JPEG" in answer.text
    assert "field-error" in answer.text
    assert not (order_of(api, order_id)["documents"] or {}).get("loa")
    assert api.user("GET", "/v2/documents")["meta"]["total_results"] == 0


def test_a_file_too_big_is_refused_and_nothing_is_kept(client: TestClient, api: Api,
                                                       order_id: str) -> None:
    big = PDF + b"0" * MAX_DOCUMENT_BYTES
    answer = upload(client, order_id, big, token=csrf(client, order_id))
    assert answer.status_code == 413
    assert f"at most {MAX_DOCUMENT_BYTES} bytes" in answer.text
    assert api.user("GET", "/v2/documents")["meta"]["total_results"] == 0


@pytest.mark.parametrize("purpose", ["csr", ""])
def test_a_purpose_other_than_loa_or_invoice_is_refused(client: TestClient, api: Api,
                                                        order_id: str, purpose: str) -> None:
    answer = upload(client, order_id, PDF, purpose, csrf(client, order_id))
    assert answer.status_code == 422
    assert api.user("GET", "/v2/documents")["meta"]["total_results"] == 0


def test_an_upload_with_no_file_is_refused(client: TestClient, order_id: str) -> None:
    answer = client.post(f"/orders/{order_id}/documents",
                         data={"purpose": "loa", "csrf_token": csrf(client, order_id)})
    assert answer.status_code == 422
    assert "Choose a file" in answer.text


def test_a_document_not_on_the_order_does_not_download(client: TestClient, db: Database,
                                                       tenant: Tenant, other_tenant: Tenant,
                                                       order_id: str) -> None:
    with db.writing() as session:
        own = document_service.store_document(session, tenant.organization_id, "a.pdf",
                                              [PDF], utcnow(), max_bytes=10_000).id
        theirs = document_service.store_document(session, other_tenant.organization_id,
                                                 "b.pdf", [PDF], utcnow(),
                                                 max_bytes=10_000).id
    assert client.get(f"/orders/{order_id}/documents/{own}").status_code == 404
    assert client.get(f"/orders/{order_id}/documents/{theirs}").status_code == 404


def test_the_loa_template_is_the_apis_pdf(client: TestClient, api: Api,
                                          order_id: str) -> None:
    page = client.get(f"/orders/{order_id}")
    assert f'href="/orders/{order_id}/loa_template"' in page.text
    answer = client.get(f"/orders/{order_id}/loa_template")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    from_api = client.get(f"/v2/porting_orders/{order_id}/loa_template",
                          headers=api.tenant.headers)
    assert len(from_api.content) > 0 and from_api.content[:8] == answer.content[:8]


# -- sharing --------------------------------------------------------------------------------
def test_a_sharing_link_is_shown_once_and_listed(client: TestClient, order_id: str) -> None:
    answer = client.post(f"/orders/{order_id}/share", data={
        "permission": "porting_order.document.read", "expires_in_seconds": "600",
        "csrf_token": csrf(client, order_id)})
    assert answer.status_code == 200, answer.text
    assert "shown only" in answer.text
    token = answer.text.split('<code class="token">')[1].split("</code>")[0]
    shared = client.get(f"/v2/porting_orders/{order_id}/shared_documents",
                        headers={"Authorization": f"Bearer {token}"})
    assert shared.status_code == 200, shared.text
    again = client.get(f"/orders/{order_id}")
    assert token not in again.text  # shown once
    assert "porting_order.document.read" in again.text  # listed, with its expiry


@pytest.mark.parametrize("form", [
    {"permission": "porting_order.document.delete", "expires_in_seconds": "600"},
    {"permission": "porting_order.document.read", "expires_in_seconds": "0"},
    {"permission": "porting_order.document.read", "expires_in_seconds": "172801"},
    {"permission": "porting_order.document.read", "expires_in_seconds": "\uff11\uff10"},
])
def test_a_bad_sharing_form_is_refused_and_makes_no_token(
        client: TestClient, order_id: str, form: dict[str, str]) -> None:
    answer = client.post(f"/orders/{order_id}/share",
                         data={**form, "csrf_token": csrf(client, order_id)})
    assert answer.status_code == 422
    assert "No sharing links made yet." in answer.text


# -- numbers, FOC, activation, verification -------------------------------------------------
def test_the_numbers_section_shows_ranges_windows_and_no_activate_button(
        client: TestClient, order_id: str) -> None:
    page = client.get(f"/orders/{order_id}")
    assert 'id="numbers-detail-h"' in page.text
    assert "No number blocks." in page.text and "No activation job." in page.text
    assert "Allowed FOC windows" in page.text
    assert f'action="/orders/{order_id}/activate"' not in page.text
    answer = client.post(f"/orders/{order_id}/activate", data={
        "csrf_token": csrf(client, order_id)})
    assert answer.status_code == 422
    assert "field-error" in answer.text
    assert "once its FOC date is confirmed" in answer.text


def test_a_fast_port_order_with_its_foc_confirmed_is_activated_by_the_button(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    _sign_in(client, db, tenant)
    order_id = confirmed_order(api, "+13034440001")
    page = client.get(f"/orders/{order_id}")
    assert f'action="/orders/{order_id}/activate"' in page.text
    assert "<li>" in page.text.split("Allowed FOC windows")[1].split("</ul>")[0]
    answer = client.post(f"/orders/{order_id}/activate",
                         data={"csrf_token": _hidden_token(page.text)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    jobs = api.user("GET", f"/v2/porting_orders/{order_id}/activation_jobs")["data"]
    assert len(jobs) == 1
    page = client.get(f"/orders/{order_id}")
    assert "Activation requested." in page.text and jobs[0]["id"] in page.text
    assert f'action="/orders/{order_id}/activate"' not in page.text  # one live job at a time


def test_a_mobile_number_shows_that_it_needs_a_code(client: TestClient, db: Database,
                                                    tenant: Tenant, api: Api) -> None:
    _sign_in(client, db, tenant)
    order = api.create_order(MOBILE_AU)
    page = client.get(f"/orders/{order['id']}")
    assert page.status_code == 200
    assert "needs a code" in page.text


# -- refusals common to every form ----------------------------------------------------------
FORMS = ["requirements", "documents", "share", "activate"]


@pytest.mark.parametrize("form", FORMS)
def test_a_form_without_the_csrf_token_is_refused(client: TestClient, api: Api,
                                                  order_id: str, form: str) -> None:
    path = f"/orders/{order_id}/{form}"
    if form == "documents":
        answer = upload(client, order_id, PDF)
    else:
        answer = client.post(path, data={"requirement_type_id": ACCOUNT_TYPE,
                                         "field_value": "8401234567",
                                         "permission": "porting_order.document.read",
                                         "expires_in_seconds": "600"})
    assert answer.status_code == 403
    assert api.user("GET", "/v2/documents")["meta"]["total_results"] == 0
    assert "No sharing links made yet." in client.get(f"/orders/{order_id}").text
    assert not order_of(api, order_id)["documents"] or not order_of(
        api, order_id)["documents"].get("loa")


def test_another_organizations_order_is_404_everywhere(client: TestClient, db: Database,
                                                       tenant: Tenant, other_tenant: Tenant,
                                                       operator: dict[str, str]) -> None:
    theirs = Api(client, other_tenant, operator).create_order(US_LOCAL)["id"]
    _sign_in(client, db, tenant)
    token = _hidden_token(client.get("/orders").text)
    assert client.get(f"/orders/{theirs}").status_code == 404
    assert client.get(f"/orders/{theirs}/loa_template").status_code == 404
    assert upload(client, theirs, PDF, token=token).status_code == 404
    for form in ("requirements", "share", "activate"):
        answer = client.post(f"/orders/{theirs}/{form}", data={
            "csrf_token": token, "requirement_type_id": ACCOUNT_TYPE, "field_value": "1",
            "permission": "porting_order.document.read", "expires_in_seconds": "600"})
        assert answer.status_code == 404, (form, answer.status_code)
    with db.writing() as session:
        document = document_service.store_document(session, other_tenant.organization_id,
                                                   "b.pdf", [PDF], utcnow(),
                                                   max_bytes=10_000).id
    assert client.get(f"/orders/{theirs}/documents/{document}").status_code == 404
    assert Api(client, other_tenant, operator).user(
        "GET", "/v2/documents")["meta"]["total_results"] == 1
