"""Refuse a NUL character in the path or query string with 400, before any route runs.

PostgreSQL text cannot hold NUL, so an id or filter carrying one would fail in the database
(a 500) rather than simply match nothing. Checking the raw request line once here covers
every route, path parameters included; bodies are checked by `api.schemas.Strict`.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from portin.api.errors import error_body
from portin.domain.errors import MalformedRequest


def _holds_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw.lower()


class InputGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
            if _holds_nul(raw_path) or "\x00" in scope["path"]:
                await self._refuse(send, "The path contains a NUL character.")
                return
            if _holds_nul(scope.get("query_string", b"")):
                await self._refuse(send, "The query string contains a NUL character.")
                return
        await self.app(scope, receive, send)

    async def _refuse(self, send: Send, detail: str) -> None:
        error = MalformedRequest(detail)
        payload = json.dumps(error_body(error.code, error.title, error.detail)).encode()
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
