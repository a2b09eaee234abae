"""The browser's defences, as response headers: a pure ASGI middleware that adds them.

Every response gets `X-Content-Type-Options: nosniff`. Portal pages (every path that is not
the API's nor a static file) also get a Content-Security-Policy that runs only the package's
own script files, refuse to be framed, keep the referrer on this site, and are never stored
by the browser (so Back after sign-out shows nothing private). A header the route set itself
is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The API's paths (and the API's own pages, like /docs, which load their own scripts).
API_PREFIXES = ("/v2", "/openapi.json", "/docs", "/healthz", "/readyz", "/metrics")
STATIC_PREFIX = "/static/"

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

EVERY_RESPONSE = (("X-Content-Type-Options", "nosniff"),)
PORTAL_PAGE = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


# The API's interactive docs load Swagger's scripts from elsewhere, so no script policy there;
# but they hold an "Authorize" box for a key, so they are never framed either.
DOCS_PAGE = (
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
)


def headers_for(path: str) -> tuple[tuple[str, str], ...]:
    if path.startswith("/docs"):
        return EVERY_RESPONSE + DOCS_PAGE
    if is_api_path(path) or path.startswith(STATIC_PREFIX):
        return EVERY_RESPONSE
    return EVERY_RESPONSE + PORTAL_PAGE


def _add_missing(headers: MutableHeaders, wanted: Iterable[tuple[str, str]]) -> None:
    for name, value in wanted:
        if name not in headers:
            headers[name] = value


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = headers_for(scope["path"])

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add_missing(MutableHeaders(scope=message), wanted)
            await send(message)

        await self.app(scope, receive, send_secured)
