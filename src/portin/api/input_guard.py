"""Refuse a NUL character in the path, the query string or a form body with 400, before any
route runs.

PostgreSQL text cannot hold NUL, so an id, a filter or a portal form field carrying one would
fail in the database (a 500) rather than simply match nothing. Checking the raw request once
here covers every route, path parameters included; JSON bodies are checked by
`api.schemas.Strict`, with a pointer to the field. It runs inside `BodyLimit`, so a form body
it reads whole is already bounded.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from portin.api.body_limit import replay_body
from portin.api.errors import render
from portin.domain.errors import MalformedRequest

FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")


def _holds_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw


class InputGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = None
        if _holds_nul(scope.get("raw_path") or scope["path"].encode()):
            refusal = "The path contains a NUL character."
        elif _holds_nul(scope.get("query_string", b"")):
            refusal = "The query string contains a NUL character."
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
        # A file upload to the API is binary (a PDF holds NULs): its route checks its own text
        # fields (a filename) instead.
        upload = (content_type.startswith(b"multipart/form-data")
                  and scope["path"].startswith("/v2/"))
        if refusal is None and content_type.startswith(FORM_TYPES) and not upload:
            body = await _read_body(receive)
            if body is None:
                return  # the client went away
            if _holds_nul(body):
                refusal = "A form field contains a NUL character."
            receive = replay_body(body, receive)
        if refusal is not None:
            await render(MalformedRequest(refusal))(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)

