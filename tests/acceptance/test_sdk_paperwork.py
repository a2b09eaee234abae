"""The SDK's paperwork methods that need an uploaded document, through the official `telnyx`
client (strict response validation) against a real `portin serve`: a PNG logo on a LOA
configuration drawn into the letter, a PDF attached as an additional document, an order's LOA
set by PATCH, document requirements counted as met, a sharing token over the shared-document
routes, and a report's CSV downloaded once the scheduler has built it."""

from __future__ import annotations

import base64
import csv
import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import telnyx
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader

from tests.acceptance.conftest import Server, strict_sdk

ADDRESS: Any = {"street_address": "600 Congress Avenue", "city": "Austin", "state": "TX",
                "zip_code": "78701", "country_code": "US"}
CONTACT: Any = {"email": "loa@acme.example", "phone_number": "+12003270001"}
LOA = "9c467809-9f49-42cb-a3c4-4007acfc128e"
INVOICE = "c053938a-d4eb-416a-a88a-7ebd24deef0d"
ACCOUNT = "5a91687c-c03b-4367-852d-b428bb78e9dd"
WAIT_SECONDS = 20


@pytest.fixture(scope="module")
def sdk(quick_server: Server) -> Iterator[telnyx.Telnyx]:
    with strict_sdk(quick_server, quick_server.new_org("sdk-paperwork")["api_key"]) as client:
        yield client


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 32), (200, 30, 60)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())


def upload(sdk: telnyx.Telnyx, data: bytes, filename: str) -> str:
    uploaded = sdk.documents.upload(document={"file": base64.b64encode(data).decode(),
                                              "filename": filename}).data
    assert uploaded is not None and uploaded.id is not None
    return uploaded.id


def new_order(sdk: telnyx.Telnyx, number: str, reference: str = "paper-1") -> str:
    created = sdk.porting_orders.create(phone_numbers=[number], customer_reference=reference)
    assert created.data is not None and created.data[0].id is not None
    return created.data[0].id


def test_a_png_logo_is_drawn_into_the_orders_letter(sdk: telnyx.Telnyx) -> None:
    logo_id = upload(sdk, png_bytes(), "logo.png")
    configs = sdk.porting.loa_configurations
    created = configs.create(name="Branded", company_name="Acme Telco", address=ADDRESS,
                             contact=CONTACT, logo={"document_id": logo_id}).data
    assert created is not None and created.id is not None and created.logo is not None
    assert created.logo.document_id == logo_id
    assert created.logo.content_type == "image/png"

    second_logo = upload(sdk, png_bytes(), "logo-2.png")
    updated = configs.update(created.id, name="Branded", company_name="Acme Telco",
                             address=ADDRESS, contact=CONTACT,
                             logo={"document_id": second_logo}).data
    assert updated is not None and updated.logo is not None
    assert updated.logo.document_id == second_logo and updated.logo.content_type == "image/png"

    order_id = new_order(sdk, "+17203350001")
    letter = sdk.porting_orders.retrieve_loa_template(order_id,
                                                      loa_configuration_id=created.id).read()
    images = [image for page in PdfReader(io.BytesIO(letter)).pages for image in page.images]
    assert len(images) == 1
    unbranded = configs.create(name="Plain", company_name="Acme Telco", address=ADDRESS,
                               contact=CONTACT, logo=None).data  # type: ignore[arg-type]
    assert unbranded is not None and unbranded.id is not None
    plain = sdk.porting_orders.retrieve_loa_template(order_id,
                                                     loa_configuration_id=unbranded.id).read()
    assert [i for p in PdfReader(io.BytesIO(plain)).pages for i in p.images] == []


def test_an_uploaded_pdf_is_attached_listed_and_detached(sdk: telnyx.Telnyx) -> None:
    order_id = new_order(sdk, "+17203350002")
    document_id = upload(sdk, pdf_bytes("Customer service record"), "csr.pdf")
    attached = sdk.porting_orders.additional_documents.create(
        order_id, additional_documents=[{"document_id": document_id, "document_type": "csr"}])
    assert attached.data is not None
    [item] = attached.data
    assert item.document_id == document_id and item.document_type == "csr"
    assert item.filename == "csr.pdf" and item.content_type == "application/pdf"
    assert item.id is not None

    listed = list(sdk.porting_orders.additional_documents.list(
        order_id, filter={"document_type": ["csr"]}))
    assert [d.id for d in listed] == [item.id]
    assert list(sdk.porting_orders.additional_documents.list(
        order_id, filter={"document_type": ["invoice"]})) == []
    with pytest.raises(telnyx.ConflictError):  # in use: the link protects it
        sdk.documents.delete(document_id)

    sdk.porting_orders.additional_documents.delete(item.id, id=order_id)
    assert list(sdk.porting_orders.additional_documents.list(order_id)) == []
    deleted = sdk.documents.delete(document_id).data  # free again
    assert deleted is not None and deleted.id == document_id


def test_patching_the_orders_loa_records_loa_updated(sdk: telnyx.Telnyx) -> None:
    order_id = new_order(sdk, "+17203350003")
    document_id = upload(sdk, pdf_bytes("Signed LOA"), "signed.pdf")
    updated = sdk.porting_orders.update(order_id, documents={"loa": document_id}).data
    assert updated is not None and updated.documents is not None
    assert updated.documents.loa == document_id
    events = sdk.porting.events.list(
        filter={"type": "porting_order.loa_updated", "porting_order_id": order_id}).data
    assert [e.event_type for e in events] == ["porting_order.loa_updated"]
    sdk.porting_orders.update(order_id, documents={"loa": document_id})  # same id: no event
    assert len(sdk.porting.events.list(
        filter={"type": "porting_order.loa_updated", "porting_order_id": order_id}).data) == 1


def test_document_requirements_make_the_order_met(sdk: telnyx.Telnyx,
                                                  quick_server: Server) -> None:
    order_id = new_order(sdk, "+17203350004")
    invoice = upload(sdk, pdf_bytes("Latest invoice"), "invoice.pdf")
    loa = upload(sdk, pdf_bytes("Signed LOA"), "loa.pdf")
    partial = sdk.porting_orders.update(order_id, requirements=[
        {"requirement_type_id": ACCOUNT, "field_value": "84-01234"},
        {"requirement_type_id": INVOICE, "field_value": invoice}]).data
    assert partial is not None and partial.requirements_met is False
    values = {r.requirement_type.id: (r.field_value, r.requirement_status)
              for r in sdk.porting_orders.retrieve_requirements(order_id)
              if r.requirement_type is not None}
    assert values[INVOICE] == (invoice, "requirement-info-under-review")
    assert values[LOA] == (None, "requirement-info-pending")

    with pytest.raises(telnyx.UnprocessableEntityError):  # not a document of this org
        sdk.porting_orders.update(order_id, requirements=[
            {"requirement_type_id": LOA, "field_value": "00000000-0000-0000-0000-000000000000"}])
    met = sdk.porting_orders.update(order_id, requirements=[
        {"requirement_type_id": LOA, "field_value": loa}]).data
    assert met is not None and met.requirements_met is True

    links = list(sdk.document_links.list(filter={"linked_resource_id": order_id}))
    assert {link.document_id for link in links} == {invoice, loa}

    # The holder of a read token sees both documents and can download one.
    token = sdk.porting_orders.actions.share(order_id).data
    assert token is not None and token.token is not None
    shared = f"{quick_server.base_url}/v2/porting_orders/{order_id}/shared_documents"
    with httpx.Client(headers={"Authorization": f"Bearer {token.token}"}) as holder:
        listed = holder.get(shared)
        assert listed.status_code == 200, listed.text
        assert {d["id"] for d in listed.json()["data"]} == {invoice, loa}
        download = holder.get(f"{shared}/{loa}/download")
        assert download.status_code == 200
        assert download.content == sdk.documents.download(loa).read()
        assert holder.get(f"{shared}/00000000-0000-0000-0000-000000000000/download"
                          ).status_code == 404


def test_a_token_with_update_permission_replaces_the_loa(sdk: telnyx.Telnyx,
                                                         quick_server: Server) -> None:
    order_id = new_order(sdk, "+17203350005")
    token = sdk.porting_orders.actions.share(
        order_id, permissions="porting_order.document.update").data
    assert token is not None and token.token is not None
    shared = f"{quick_server.base_url}/v2/porting_orders/{order_id}/shared_documents"
    letter = pdf_bytes("LOA signed by the end user")
    with httpx.Client(headers={"Authorization": f"Bearer {token.token}"}) as holder:
        put = holder.put(f"{shared}/loa", files={"file": ("loa.pdf", letter, "application/pdf")})
        assert put.status_code == 200, put.text
        document_id = put.json()["data"]["id"]
        assert holder.get(shared).status_code == 403
    order = sdk.porting_orders.retrieve(order_id).data
    assert order is not None and order.documents is not None
    assert order.documents.loa == document_id
    assert sdk.documents.download(document_id).read() == letter


def test_a_report_csv_is_downloaded_once_built(sdk: telnyx.Telnyx) -> None:
    order_id = new_order(sdk, "+17203350006", reference="paper-report")
    created = sdk.porting.reports.create(
        report_type="export_porting_orders_csv",
        params={"filters": {"customer_reference_in": ["paper-report"]}}).data
    assert created is not None and created.id is not None
    deadline = time.monotonic() + WAIT_SECONDS
    report = created
    while time.monotonic() < deadline and report.status != "completed":
        time.sleep(0.25)
        retrieved = sdk.porting.reports.retrieve(created.id).data
        assert retrieved is not None
        report = retrieved
    assert report.status == "completed", "the report was not built in time"
    assert report.document_id is not None
    text = sdk.documents.download(report.document_id).read().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["id", "support_key", "parent_support_key", "status",
                           "status_details"]
    assert rows[0][-2:] == ["created_at", "updated_at"]
    [row] = rows[1:]
    record = dict(zip(rows[0], row, strict=True))
    assert record["id"] == order_id and record["status"] == "draft"
    assert record["customer_reference"] == "paper-report"
    assert record["phone_numbers"] == "'+17203350006"
