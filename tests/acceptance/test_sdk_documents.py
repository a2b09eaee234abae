"""The documents API through the official `telnyx` SDK against a real `portin serve`: every
documents and document_links method, strictly validated against the SDK's own types, with a
real PDF uploaded and downloaded byte for byte."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest
import telnyx
from fpdf import FPDF

from tests.acceptance.conftest import Server


@pytest.fixture(scope="module")
def loa_pdf() -> bytes:
    """A real one-page PDF, as a customer would scan or print one."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Letter of authorization: please port +1 720 333 0000 to us.")
    return bytes(pdf.output())


def test_upload_retrieve_update_list_download_and_delete(
        sdk: telnyx.Telnyx, loa_pdf: bytes, server: Server) -> None:
    encoded = base64.b64encode(loa_pdf).decode()
    uploaded = sdk.documents.upload(document={"file": encoded, "filename": "loa.pdf",
                                              "customer_reference": "sdk-doc-1"}).data
    assert uploaded is not None and uploaded.id is not None
    assert uploaded.record_type == "document"
    assert uploaded.content_type == "application/pdf"
    assert uploaded.sha256 == hashlib.sha256(loa_pdf).hexdigest()
    assert uploaded.size is not None and uploaded.size.amount == len(loa_pdf)
    assert uploaded.size.unit == "bytes"
    assert uploaded.status == "pending" and uploaded.av_scan_status == "not_scanned"

    json_upload = sdk.documents.upload_json(document={"file": encoded,
                                                      "filename": "invoice.pdf"}).data
    assert json_upload is not None and json_upload.filename == "invoice.pdf"

    fetched = sdk.documents.retrieve(uploaded.id).data
    assert fetched == uploaded

    updated = sdk.documents.update(uploaded.id, filename="renamed-loa.pdf",
                                   customer_reference="sdk-doc-2").data
    assert updated is not None and updated.filename == "renamed-loa.pdf"
    assert updated.customer_reference == "sdk-doc-2"

    listed = list(sdk.documents.list(filter={"filename": {"contains": "renamed"}}))
    assert [d.id for d in listed] == [uploaded.id]
    by_reference = list(sdk.documents.list(
        filter={"customer_reference": {"in": ["sdk-doc-2", "nobody"]}}))
    assert [d.id for d in by_reference] == [uploaded.id]
    assert [d.id for d in sdk.documents.list(
        filter={"customer_reference": {"eq": "sdk-doc-2"}})] == [uploaded.id]
    assert uploaded.created_at is not None
    assert uploaded.id not in [d.id for d in sdk.documents.list(
        filter={"created_at": {"gt": uploaded.created_at}})]
    by_name = [d.filename for d in sdk.documents.list(sort=["filename"], page_size=1)]
    assert by_name == sorted(by_name) and set(by_name) >= {"invoice.pdf", "renamed-loa.pdf"}

    downloaded = sdk.documents.download(uploaded.id)
    data = downloaded.read()
    assert data == loa_pdf
    assert hashlib.sha256(data).hexdigest() == uploaded.sha256
    assert downloaded.headers["content-type"] == "application/pdf"
    assert 'filename="renamed-loa.pdf"' in downloaded.headers["content-disposition"]

    link = sdk.documents.generate_download_link(uploaded.id).data.url
    assert link.startswith(server.base_url + "/v2/documents/")
    without_key = httpx.get(link, timeout=10)
    assert without_key.status_code == 200
    assert without_key.content == loa_pdf
    tampered = httpx.get(link[:-1] + ("0" if link[-1] != "0" else "1"), timeout=10)
    assert tampered.status_code == 403
    assert tampered.json()["errors"][0]["detail"]

    deleted = sdk.documents.delete(json_upload.id).data  # type: ignore[arg-type]
    assert deleted is not None and deleted.id == json_upload.id
    with pytest.raises(telnyx.NotFoundError):
        sdk.documents.retrieve(json_upload.id)  # type: ignore[arg-type]


def test_an_orders_loa_links_the_document_and_writes_its_event(
        sdk: telnyx.Telnyx, loa_pdf: bytes, server: Server) -> None:
    encoded = base64.b64encode(loa_pdf).decode()
    document = sdk.documents.upload(document={"file": encoded, "filename": "loa.pdf"}).data
    assert document is not None and document.id is not None
    order = sdk.porting_orders.create(phone_numbers=["+17203339001"]).data[0]  # type: ignore[index]
    assert order.id is not None
    updated = sdk.porting_orders.update(order.id, documents={"loa": document.id}).data
    assert updated is not None and updated.documents is not None
    assert updated.documents.loa == document.id

    links = list(sdk.document_links.list(filter={"linked_resource_id": order.id}))
    assert [(link.document_id, link.linked_record_type, link.record_type) for link in links] \
        == [(document.id, "porting_order", "document_link")]
    assert list(sdk.document_links.list(filter={"linked_record_type": "porting_order"}))

    events = list(sdk.porting.events.list(filter={"porting_order_id": order.id,
                                                  "event_type": "porting_order.loa_updated"}))
    assert len(events) == 1
    assert events[0].event_type == "porting_order.loa_updated"
    assert events[0].payload is None  # type: ignore[union-attr]

    with pytest.raises(telnyx.ConflictError) as in_use:
        sdk.documents.delete(document.id)
    assert order.id in str(in_use.value.body)
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.porting_orders.update(order.id, documents={"invoice": "no-such-document"})

    stranger_org = server.new_org("documents-stranger")
    with telnyx.Telnyx(api_key=stranger_org["api_key"], base_url=f"{server.base_url}/v2",
                       max_retries=0) as stranger:
        for call in (stranger.documents.retrieve, stranger.documents.delete,
                     stranger.documents.download, stranger.documents.generate_download_link):
            with pytest.raises(telnyx.NotFoundError):
                call(document.id)
        with pytest.raises(telnyx.NotFoundError):
            stranger.documents.update(document.id, filename="mine.pdf")
        assert list(stranger.documents.list()) == []
        assert list(stranger.document_links.list()) == []

    sdk.porting_orders.delete(order.id)  # the draft goes; its link goes; the document stays
    assert list(sdk.document_links.list(filter={"linked_resource_id": order.id})) == []
    assert sdk.documents.delete(document.id).data is not None


def test_url_uploads_and_bad_files_are_refused(sdk: telnyx.Telnyx) -> None:
    with pytest.raises(telnyx.UnprocessableEntityError) as url:
        sdk.documents.upload_json(document={"url": "https://example.com/loa.pdf"})
    assert "/url" in str(url.value.body)
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.documents.upload(document={"file": base64.b64encode(b"MZ not a pdf").decode()})
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.documents.upload(document={"file": "%%%"})
