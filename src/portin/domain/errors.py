"""The one error root of portin. Each error knows its HTTP status; the API renders them.

The class docstring is the default message (the error's `title`), so a raise site only adds
the detail that is particular to it.
"""

from __future__ import annotations


class PortinError(Exception):
    """Something went wrong."""

    status_code = 500
    code = "10007"
    # Extra response headers the API sends with this error (Retry-After, for one).
    headers: dict[str, str] | None = None

    def __init__(self, detail: str | None = None, *, pointer: str | None = None,
                 parameter: str | None = None) -> None:
        self.title = (self.__doc__ or self.__class__.__name__).strip().splitlines()[0]
        self.detail = detail or self.title
        self.pointer = pointer
        self.parameter = parameter
        super().__init__(self.detail)


class MalformedRequest(PortinError):
    """Bad Request."""

    status_code = 400
    code = "10015"


class Unauthenticated(PortinError):
    """Authentication failed."""

    status_code = 401
    code = "10009"


class Forbidden(PortinError):
    """Authorization failed."""

    status_code = 403
    code = "10010"


class NotFound(PortinError):
    """Resource not found."""

    status_code = 404
    code = "10005"


class Conflict(PortinError):
    """Conflict."""

    status_code = 409
    code = "10011"


class PayloadTooLarge(PortinError):
    """Request body too large."""

    status_code = 413
    code = "10013"


class UnsupportedMediaType(PortinError):
    """Unsupported media type."""

    status_code = 415
    code = "10015"


class InvalidRequest(PortinError):
    """Unprocessable entity."""

    status_code = 422
    code = "10015"


class TransitionRefused(InvalidRequest):
    """Status change not allowed."""

    code = "10020"


class RateLimited(PortinError):
    """Too many requests."""

    status_code = 429
    code = "10011"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
        self.headers = {"Retry-After": str(retry_after_seconds)}
