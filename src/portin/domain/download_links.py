"""Signed, expiring download links: an HMAC-SHA256 over the document's id and the link's
expiry, with a server secret. The link itself is the permission, so it works without an API
key until it expires; changing any part of it breaks the signature."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: bytes, document_id: str, expires: int) -> str:
    message = f"portin-document-download|{document_id}|{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def is_genuine(secret: bytes, document_id: str, expires: int, given: str) -> bool:
    """Whether `given` is the signature of this link (compared in constant time)."""
    expected = signature(secret, document_id, expires)
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))
