"""What a document's bytes are, told from the bytes themselves (never from a filename).

A LOA or an invoice must be a PDF or an image; portin also stores files it makes itself (a
report's CSV). The first bytes of a file are enough to tell these kinds apart.
"""

from __future__ import annotations

from typing import Final

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
