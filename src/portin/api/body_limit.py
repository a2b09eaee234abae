"""Refuse request bodies over the limit with 413, before any handler reads them.

One route is different: a document upload (POST /v2/documents) may be as large as a document
of PORTIN_MAX_DOCUMENT_BYTES needs as base64 in JSON, and is passed on as it arrives rather
than read whole first, so a multipart file goes to disk in pieces (python-multipart) and is
never held in memory; a body that grows past the upload limit raises PayloadTooLarge (413)
inside the route, whose transaction then keeps nothing.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portin.api.errors import render
from portin.domain.errors import PayloadTooLarge


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A body read up front, handed to the app as if it arrived now."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


UPLOAD_PATH = "/v2/documents"
# PUT /v2/porting_orders/{id}/shared_documents/{loa|invoice}: a file sent with a sharing token.
SHARED_UPLOAD = re.compile(r"^/v2/porting_orders/[^/]+/shared_documents/[^/]+/?$")
# POST /orders/{id}/documents: the portal's upload form of an order's LOA or invoice.
PORTAL_UPLOAD = re.compile(r"^/orders/[^/]+/documents/?$")


def is_document_upload(scope: Scope) -> bool:
    """The routes whose body is a file, streamed (see above): POST /v2/documents, a shared
    order's LOA or invoice sent with a sharing token, and the portal's upload form."""
    method, path = scope.get("method"), scope.get("path", "")
    return ((method == "POST" and (path.rstrip("/") == UPLOAD_PATH
                                   or PORTAL_UPLOAD.match(path) is not None))
            or (method == "PUT" and SHARED_UPLOAD.match(path) is not None))


def counted(receive: Receive, max_bytes: int) -> Receive:
    """`receive`, raising PayloadTooLarge once more than `max_bytes` of body arrived."""
    size = 0

    async def counting() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > max_bytes:
            raise PayloadTooLarge(f"The upload is larger than {max_bytes} bytes.")
        return message

    return counting


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None
                 ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = is_document_upload(scope)
        limit = self.upload_max_bytes if upload else self.max_bytes
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        if upload:
            await self.app(scope, counted(receive, limit), send)
            return
        # Also count what actually arrives (chunked bodies declare no length). The whole body
        # is read up front, so a refusal is sent before the handler has seen any of it.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, self.max_bytes)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, replay_body(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        await render(error)(scope, receive, send)
