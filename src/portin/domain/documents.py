"""What a document's bytes are, told from the bytes themselves (never from a filename).

A LOA or an invoice must be a PDF or an image; portin also stores files it makes itself (a
report's CSV). The first bytes of a file are enough to tell these kinds apart.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Final
from urllib.parse import quote

PDF: Final = "application/pdf"
PNG: Final = "image/png"
JPEG: Final = "image/jpeg"
CSV: Final = "text/csv"

# What a client may upload: the paperwork of a port.
UPLOADABLE: Final = frozenset({PDF, PNG, JPEG})
# How many leading bytes `sniff` needs to decide.
SNIFF_BYTES: Final = 8

_SIGNATURES: Final = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)


def sniff(head: bytes) -> str | None:
    """The content type of a file that starts with `head`, or None if it is none of the
    uploadable kinds."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


# Base64 characters decoded at a time: a multiple of 4, so each slice decodes on its own, and
# 1 MiB of output per slice (what a stored chunk holds).
_BASE64_SLICE = 4 * (1024 * 1024 // 3 + 1)
_WHITESPACE = " \t\r\n"


def base64_pieces(text: str) -> Iterator[bytes]:
    """The bytes of a base64 text, decoded a slice at a time (never all at once). Line breaks
    and spaces (MIME-wrapped base64) are ignored; anything else off the alphabet raises
    ValueError."""
    if any(space in text for space in _WHITESPACE):
        text = "".join(text.split())
    if len(text) % 4:
        raise ValueError("the base64 text's length is not a multiple of 4")
    for start in range(0, len(text), _BASE64_SLICE):
        piece = text[start:start + _BASE64_SLICE]
        if "=" in piece[:-2] or (start + _BASE64_SLICE < len(text) and "=" in piece):
            raise ValueError("padding inside the base64 text")
        try:
            yield base64.b64decode(piece, validate=True)
        except binascii.Error as exc:
            raise ValueError(str(exc)) from exc


def default_filename(content_type: str) -> str:
    """A name for an upload that gave none."""
    return {PDF: "document.pdf", PNG: "document.png", JPEG: "document.jpg",
            CSV: "document.csv"}.get(content_type, "document")


def bad_filename_character(filename: str) -> str | None:
    """The first character a stored filename may not hold (control characters: a filename is
    sent back in a header), or None."""
    for character in filename:
        if ord(character) < 32 or ord(character) == 127:
            return repr(character)
    return None


def content_disposition(filename: str) -> str:
    """An attachment header naming `filename` safely: an ASCII fallback with quotes,
    backslashes and anything outside printable ASCII replaced, and the exact name in RFC 5987's
    filename* form."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return (f'attachment; filename="{fallback or "document"}";'
            f" filename*=UTF-8''{quote(filename, safe='')}")
