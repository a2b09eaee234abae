"""The `telnyx` SDK's LOA methods against a real `portin serve`: LOA configurations, their
previews and the order's LOA template (real PDFs, read back with pypdf), and an order's
additional documents. Here the SDK sees a configuration without a logo and the refusals of
unknown documents; what needs an uploaded document (a PNG logo drawn into the letter, an
attached PDF) is in tests/acceptance/test_sdk_paperwork.py."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import telnyx
from pypdf import PdfReader

from tests.acceptance.conftest import Server, strict_sdk

ADDRESS: Any = {"street_address": "600 Congress Avenue", "extended_address": "14th Floor",
                "city": "Austin", "state": "TX", "zip_code": "78701", "country_code": "US"}
CONTACT: Any = {"email": "loa@acme.example", "phone_number": "+12003270001"}
NO_LOGO: Any = None  # the SDK types the logo as required; portin takes a configuration without


@pytest.fixture(scope="module")
def other_sdk(server: Server) -> Iterator[telnyx.Telnyx]:
    with strict_sdk(server, server.new_org("sdk-loa-other")["api_key"]) as client:
        yield client


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_loa_configurations_through_the_sdk(sdk: telnyx.Telnyx,
                                            other_sdk: telnyx.Telnyx) -> None:
    configs = sdk.porting.loa_configurations
    created = configs.create(name="Main", company_name="Acme Telco", address=ADDRESS,
                             contact=CONTACT, logo=NO_LOGO).data
    assert created is not None and created.id is not None
    assert created.record_type == "porting_loa_configuration" and created.logo is None
    assert created.address is not None and created.address.zip_code == "78701"

    fetched = configs.retrieve(created.id).data
    assert fetched is not None and fetched.company_name == "Acme Telco"

    updated = configs.update(created.id, name="Renamed", company_name="Acme Telco Ltd",
                             address=ADDRESS, contact=CONTACT, logo=NO_LOGO).data
    assert updated is not None and updated.name == "Renamed"

    second = configs.create(name="Second", company_name="Second Co", address=ADDRESS,
                            contact=CONTACT, logo=NO_LOGO).data
    assert second is not None
    page = configs.list(page_size=1)
    assert [c.id for c in page.data] == [second.id]
    assert {c.id for c in configs.list(page_size=1)} == {created.id, second.id}

    text = pdf_text(configs.preview_1(created.id).read())
    assert "Acme Telco Ltd" in text and "(preview)" in text
    for preview in (configs.preview, configs.preview_0):
        text = pdf_text(preview(name="Draft", company_name="Draft Co", address=ADDRESS,
                                contact=CONTACT, logo=NO_LOGO).read())
        assert "Draft Co" in text and "Authorized signature:" in text
    assert {c.id for c in configs.list()} == {created.id, second.id}  # previews store nothing

    with pytest.raises(telnyx.NotFoundError):
        other_sdk.porting.loa_configurations.retrieve(created.id)
    with pytest.raises(telnyx.UnprocessableEntityError):
        configs.create(name="Bad", company_name="Bad", address=ADDRESS, contact=CONTACT,
                       logo={"document_id": "00000000-0000-7000-8000-000000000000"})

    assert configs.delete(second.id) is None
    with pytest.raises(telnyx.NotFoundError):
        configs.retrieve(second.id)


def test_the_orders_loa_template_through_the_sdk(sdk: telnyx.Telnyx) -> None:
    numbers = [f"+1720444{index:04d}" for index in range(1000, 1120)]
    created = sdk.porting_orders.create(phone_numbers=numbers).data
    assert created is not None and created[0].id is not None
    order_id = created[0].id
    sdk.porting_orders.update(order_id, end_user={
        "admin": {"entity_name": "Globex 😀 東京", "auth_person_name": "Dana Scully",
                  "account_number": "ACC-42"},
        "location": {"street_address": "1 Main Street", "locality": "Springfield",
                     "administrative_area": "IL", "postal_code": "62701",
                     "country_code": "US"}})
    branded = sdk.porting.loa_configurations.create(
        name="For letters", company_name="Letter Co", address=ADDRESS, contact=CONTACT,
        logo=NO_LOGO).data
    assert branded is not None and branded.id is not None

    text = pdf_text(sdk.porting_orders.retrieve_loa_template(
        order_id, loa_configuration_id=branded.id).read())
    for expected in ("Letter Co", "Globex ? ??", "Dana Scully", "ACC-42", "1 Main Street",
                     "Springfield, IL 62701", "Printed name: Dana Scully", "Date:"):
        assert expected in text, expected
    assert all(number in text for number in numbers)
    assert pdf_text(sdk.porting_orders.retrieve_loa_template(order_id).read())

    with pytest.raises(telnyx.NotFoundError):
        sdk.porting_orders.retrieve_loa_template(
            order_id, loa_configuration_id="00000000-0000-7000-8000-000000000000")


def test_additional_documents_through_the_sdk(sdk: telnyx.Telnyx,
                                              other_sdk: telnyx.Telnyx) -> None:
    created = sdk.porting_orders.create(phone_numbers=["+17204449001"]).data
    assert created is not None and created[0].id is not None
    order_id = created[0].id
    extra = sdk.porting_orders.additional_documents
    page = extra.list(order_id, filter={"document_type": ["loa", "csr"]},
                      sort={"value": "created_at"}, page_number=1, page_size=10)
    assert page.data == []
    with pytest.raises(telnyx.UnprocessableEntityError):
        extra.create(order_id, additional_documents=[
            {"document_id": "00000000-0000-7000-8000-000000000000", "document_type": "csr"}])
    with pytest.raises(telnyx.NotFoundError):
        extra.delete("00000000-0000-7000-8000-000000000000", id=order_id)
    with pytest.raises(telnyx.NotFoundError):
        other_sdk.porting_orders.additional_documents.list(order_id)
