"""The Letter of Authorization as a PDF: layout only, from plain data (no session, no I/O).

`services/loa.py` gathers what a letter holds (the order's end user and numbers, the
organization's branding, the logo's bytes) and hands it here. fpdf2's core fonts draw only
latin-1, and a client may store any Unicode in a name, so every text passes through
`drawable()` first: what the font cannot draw becomes its closest latin-1 form or "?".
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "Helvetica"
MARGIN_MM = 18.0
LOGO_BOX_MM = (50.0, 20.0)  # the widest and tallest a logo is drawn, its ratio kept
NUMBER_COLUMNS = 4
ROW_MM = 6.0
SIGNATURE_BLOCK_MM = 62.0  # kept together on one page

# Punctuation that has an obvious latin-1 stand-in (NFKD does not decompose these).
_STAND_INS = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...", "\u2022": "*",
    "\u20ac": "EUR", "\u00a0": " ", "\t": " ", "\n": " ", "\r": " ",
})


def drawable(text: str | None) -> str:
    """`text` as the core fonts can draw it: latin-1, no control characters."""
    if not text:
        return ""
    result: list[str] = []
    for char in text.translate(_STAND_INS):
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # controls, zero-width marks, lone surrogates, unassigned
        if ord(char) < 256:
            result.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char)
                       if not unicodedata.combining(c))
        result.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(result)


@dataclass(frozen=True)
class Branding:
    """The company the letter authorizes (a LOA configuration)."""

    company_name: str
    street_address: str
    extended_address: str | None
    city: str
    state: str
    zip_code: str
    country_code: str
    email: str
    phone_number: str
    logo_png: bytes | None = None

    def address_lines(self) -> list[str]:
        lines = [self.street_address]
        if self.extended_address:
            lines.append(self.extended_address)
        lines.append(f"{self.city}, {self.state} {self.zip_code}, {self.country_code}")
        return lines


@dataclass(frozen=True)
class EndUser:
    """Who owns the numbers, as the order holds it (any field may still be empty)."""

    entity_name: str | None = None
    auth_person_name: str | None = None
    account_number: str | None = None
    billing_phone_number: str | None = None
    service_address: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class LoaContent:
    end_user: EndUser
    phone_numbers: Sequence[str]
    issued_on: date
    branding: Branding | None = None
    order_reference: str | None = None  # the order's support key or id
    preview: bool = False  # a configuration's preview: no order behind it


class _Letter(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        self.letter_title = title
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM)
        self.set_title(title)
        self.set_creator("portin")

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FONT, "I", 8)
            self.cell(0, 5, f"{self.letter_title} (continued)",
                      new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "I", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")


def render(content: LoaContent) -> bytes:
    """The letter's PDF bytes."""
    branding = content.branding
    title = "Letter of Authorization" + (" (preview)" if content.preview else "")
    pdf = _Letter(drawable(title))
    pdf.add_page()
    _letterhead(pdf, branding)
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, pdf.letter_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    reference = f"Porting order: {content.order_reference}    " if content.order_reference else ""
    pdf.cell(0, 5, drawable(f"{reference}Issued: {content.issued_on.isoformat()}"),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    _authorization(pdf, branding)
    _end_user(pdf, content.end_user)
    _numbers(pdf, content.phone_numbers, content.preview)
    _signature(pdf, content.end_user)
    return bytes(pdf.output())


def _letterhead(pdf: _Letter, branding: Branding | None) -> None:
    if branding is None:
        return
    top = pdf.get_y()
    text_x = pdf.l_margin
    if branding.logo_png is not None and _draw_logo(pdf, branding.logo_png, top):
        text_x += LOGO_BOX_MM[0] + 6
    pdf.set_xy(text_x, top)
    width = pdf.w - pdf.r_margin - text_x
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(width, 6, drawable(branding.company_name), align="L",
                   new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    for line in [*branding.address_lines(), f"{branding.email}  |  {branding.phone_number}"]:
        pdf.multi_cell(width, 4.5, drawable(line), align="L", new_x=XPos.LEFT,
                       new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), top + LOGO_BOX_MM[1]) + 4)
    pdf.set_x(pdf.l_margin)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)


def _draw_logo(pdf: _Letter, png: bytes, top: float) -> bool:
    """Draw the logo in its box; a file that is not a drawable image is left out, so a
    broken logo never stops the letter."""
    try:
        pdf.image(io.BytesIO(png), x=pdf.l_margin, y=top, w=LOGO_BOX_MM[0], h=LOGO_BOX_MM[1],
                  keep_aspect_ratio=True)
    except Exception:  # Pillow and fpdf2 raise many kinds for a bad image
        return False
    return True


def _authorization(pdf: _Letter, branding: Branding | None) -> None:
    company = drawable(branding.company_name) if branding else "the new service provider"
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, (
        f"I, the undersigned, am authorized to act for the end user named below. I authorize"
        f" {company} and its agents to act on the end user's behalf to port the telephone"
        f" numbers listed in this letter from their current service provider, and to obtain"
        f" the account information this requires. I confirm that the information in this"
        f" letter is correct and understand that service with the current provider ends for"
        f" these numbers once the port completes."), align="L",
        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _heading(pdf: _Letter, text: str) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _end_user(pdf: _Letter, end_user: EndUser) -> None:
    _heading(pdf, "End user")
    rows = [
        ("Entity name", end_user.entity_name),
        ("Authorized person", end_user.auth_person_name),
        ("Account number", end_user.account_number),
        ("Billing telephone number", end_user.billing_phone_number),
        ("Service address", ", ".join(line for line in end_user.service_address if line)),
    ]
    label_width = 50.0
    for label, value in rows:
        pdf.set_font(FONT, "B", 9)
        pdf.cell(label_width, 5.5, f"{label}:")
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 5.5, drawable(value) or "_" * 40, align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _numbers(pdf: _Letter, numbers: Sequence[str], preview: bool) -> None:
    count = len(numbers)
    _heading(pdf, f"Telephone numbers to port ({count})" if not preview
             else "Telephone numbers to port")
    pdf.set_font(FONT, "", 9)
    if not numbers:
        pdf.multi_cell(0, 5, "The porting order's telephone numbers are listed here."
                       if preview else "This order holds no telephone numbers.",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / NUMBER_COLUMNS
    for index, number in enumerate(numbers):
        last_in_row = index % NUMBER_COLUMNS == NUMBER_COLUMNS - 1 or index == count - 1
        pdf.cell(width, ROW_MM, drawable(number),
                 new_x=XPos.LMARGIN if last_in_row else XPos.RIGHT,
                 new_y=YPos.NEXT if last_in_row else YPos.TOP)
    pdf.ln(4)


def _signature(pdf: _Letter, end_user: EndUser) -> None:
    if pdf.will_page_break(SIGNATURE_BLOCK_MM):
        pdf.add_page()
    _heading(pdf, "Signature")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, "Signed by the end user's authorized person.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    line = 90.0
    printed = drawable(end_user.auth_person_name)
    for label, value in (("Authorized signature", ""), ("Printed name", printed),
                         ("Title", ""), ("Date", "")):
        pdf.ln(7)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(45, 6, f"{label}:")
        pdf.set_font(FONT, "", 9)
        x = pdf.get_x()
        pdf.multi_cell(line, 6, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.line(x, pdf.get_y(), x + line, pdf.get_y())
