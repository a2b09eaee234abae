"""Webhook signatures: Ed25519 over "{timestamp}|{raw body}", as the telnyx SDK verifies them."""

from __future__ import annotations

import base64

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"
TOLERANCE_SECONDS = 300


def sign(signing_key: SigningKey, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"|" + body
    return base64.b64encode(signing_key.sign(message).signature).decode()


def verify(public_key_b64: str, timestamp: str, body: bytes, signature_b64: str,
           now: float) -> bool:
    """True when the signature is the key's over this timestamp and body, and the timestamp is
    within five minutes of `now` either way."""
    try:
        if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
            return False
        key = VerifyKey(base64.b64decode(public_key_b64, validate=True))
        key.verify(timestamp.encode() + b"|" + body,
                   base64.b64decode(signature_b64, validate=True))
        return True
    except (ValueError, BadSignatureError):
        return False
