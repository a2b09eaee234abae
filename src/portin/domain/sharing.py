"""Sharing an order's documents with someone who has no API key: the permissions a sharing
token may carry, how long it may live, and which permission each shared action needs."""

from __future__ import annotations

import enum
from typing import Final


class Permission(enum.StrEnum):
    # Read the order's documents: their metadata and their bytes.
    DOCUMENT_READ = "porting_order.document.read"
    # Upload (or replace) the order's LOA or invoice. It does not grant reading.
    DOCUMENT_UPDATE = "porting_order.document.update"


# The public API's bounds for expires_in_seconds, and portin's default when it is omitted.
MIN_EXPIRES_IN_SECONDS: Final = 1
MAX_EXPIRES_IN_SECONDS: Final = 172_800  # 48 hours
DEFAULT_EXPIRES_IN_SECONDS: Final = 3_600
DEFAULT_PERMISSION: Final = Permission.DOCUMENT_READ

# What a token with the update permission may put on the order.
SHARED_UPLOAD_PURPOSES: Final = ("loa", "invoice")

# Claims that mark a JWT as a portin sharing token, so no other token of this installation
# (made with another key or for another audience) is ever taken for one.
ISSUER: Final = "portin"
AUDIENCE: Final = "porting_order_sharing"
ALGORITHM: Final = "HS256"
