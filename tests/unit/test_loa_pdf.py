"""The LOA renderer alone: what the letter holds, read back out of the PDF with pypdf, and
that no text a client can store stops it (the core fonts draw only latin-1)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from portin.services.loa_pdf import Branding, EndUser, LoaContent, drawable, render


def png(width: int = 120, height: int = 40) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def read(pdf: bytes) -> tuple[PdfReader, str]:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


BRANDING = Branding(company_name="Acme Telco", street_address="600 Congress Avenue",
                    extended_address="14th Floor", city="Austin", state="TX",
                    zip_code="78701", country_code="US", email="loa@acme.example",
                    phone_number="+12003270001", logo_png=png())
END_USER = EndUser(entity_name="Globex Corporation", auth_person_name="Dana Scully",
                   account_number="ACC-42", billing_phone_number="+13035550100",
                   service_address=("1 Main Street", "Suite 5", "Springfield, IL 62701", "US"))
NUMBERS = [f"+1303555{index:04d}" for index in range(1000)]


def test_the_letter_holds_the_end_user_every_number_the_branding_and_a_signature_block(
        ) -> None:
    reader, text = read(render(LoaContent(END_USER, NUMBERS, date(2026, 12, 2), BRANDING,
                                          "sr_abc123")))
    assert len(reader.pages) > 1  # a thousand numbers run over several pages
    for expected in ("Letter of Authorization", "Globex Corporation", "Dana Scully",
                     "ACC-42", "+13035550100", "1 Main Street", "Springfield, IL 62701",
                     "Acme Telco", "600 Congress Avenue", "14th Floor", "Austin, TX 78701",
                     "loa@acme.example", "+12003270001", "sr_abc123", "2026-12-02",
                     "Telephone numbers to port (1000)", "Authorized signature:",
                     "Printed name: Dana Scully", "Title:", "Date:"):
        assert expected in text, expected
    assert all(number in text for number in NUMBERS)
    assert len(reader.pages[0].images) == 1  # the logo
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text


def test_without_branding_the_letter_is_still_whole() -> None:
    reader, text = read(render(LoaContent(END_USER, NUMBERS[:3], date(2026, 12, 2))))
    assert "the new service provider" in text
    assert all(number in text for number in NUMBERS[:3])
    assert "Authorized signature:" in text
    assert not reader.pages[0].images


def test_a_preview_has_blanks_for_the_orders_details() -> None:
    _, text = read(render(LoaContent(EndUser(), [], date(2026, 12, 2), BRANDING,
                                     preview=True)))
    assert "Letter of Authorization (preview)" in text
    assert "Entity name: ____" in text
    assert "The porting order's telephone numbers are listed here." in text


@pytest.mark.parametrize("name", [
    "Ünïcode 😀 東京株式会社", "\u202eevil\u200b\x00\x07tabs\tand\nnewlines", "\ud800lone",
    "x" * 255, "Zoë \u201cquoted\u201d \u2013 dash \u2026 \u20ac", "🚀" * 255,
])
def test_any_unicode_a_client_stores_is_drawn_or_replaced_never_a_crash(name: str) -> None:
    branding = Branding(**{**BRANDING.__dict__, "company_name": name})
    end_user = EndUser(entity_name=name, auth_person_name=name, account_number=name,
                       billing_phone_number=name, service_address=(name, name))
    _, text = read(render(LoaContent(end_user, [name], date(2026, 12, 2), branding, name)))
    assert drawable(name)[:20].strip()[:10] in text.replace("\n", "")


def test_drawable_keeps_latin1_and_replaces_the_rest() -> None:
    assert drawable("Zoë Müller") == "Zoë Müller"
    assert drawable("Łódź") == "?ódz"  # Ł has no decomposition; ó is latin-1; ź -> z
    assert drawable("東京 😀") == "?? ?"
    assert drawable("\u201ca\u201d \u2013 b\u2026") == "\"a\" - b..."
    assert drawable("a\x00b\u200bc") == "abc"
    assert drawable(None) == ""


@pytest.mark.parametrize("logo", [b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"not an image",
                                  png(4000, 1)])
def test_a_logo_that_cannot_be_drawn_is_left_out(logo: bytes) -> None:
    branding = Branding(**{**BRANDING.__dict__, "logo_png": logo})
    reader, text = read(render(LoaContent(END_USER, NUMBERS[:2], date(2026, 12, 2),
                                          branding)))
    assert "Acme Telco" in text
    assert len(reader.pages[0].images) <= 1
