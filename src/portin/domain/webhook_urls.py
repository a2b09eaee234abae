"""What makes a webhook URL acceptable to save (the send-time address guard lives in delivery)."""

from __future__ import annotations

from urllib.parse import urlsplit

from portin.domain.errors import InvalidRequest

MAX_URL_LENGTH = 2048


def validate_webhook_url(url: str, pointer: str = "/webhook_url") -> str:
    """An absolute http(s) URL with a host; returned stripped of surrounding blanks."""
    candidate = url.strip()
    if len(candidate) > MAX_URL_LENGTH:
        raise InvalidRequest(f"The URL is longer than {MAX_URL_LENGTH} characters.",
                             pointer=pointer)
    try:
        parts = urlsplit(candidate)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise InvalidRequest(f"{candidate!r} is not a valid URL: {exc}.", pointer=pointer) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(f"{candidate!r} is not an absolute http or https URL.",
                             pointer=pointer)
    if port == 0 or parts.username or parts.password:
        raise InvalidRequest(f"{candidate!r} must not carry credentials or port 0.",
                             pointer=pointer)
    return candidate
