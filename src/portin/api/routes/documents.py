"""/v2/documents and /v2/document_links: files an organization uploads (a LOA, an invoice),
their downloads (with the API key, or through a signed link without it) and where they are
used."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from portin.api import resources, responses
from portin.api.deps import get_db, get_settings, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import DocumentUpdate, DocumentUpload
from portin.config import Settings, public_base_url
from portin.domain import documents as kinds
from portin.domain.errors import InvalidRequest, UnsupportedMediaType
from portin.domain.timefmt import utcnow
from portin.services import documents as service
from portin.services.accounts import Caller
from portin.storage import documents as store
from portin.storage.db import Database
from portin.storage.documents import DOCUMENT_SORTS, DocumentFilters, LinkFilters

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Documents"])
log = logging.getLogger(__name__)
# A malformed multipart body is the client's to fix (answered 400); python-multipart's own
# warnings about it quote bytes of the body, which must not reach the logs.
logging.getLogger("python_multipart").setLevel(logging.ERROR)

# What a multipart upload may carry besides its file.
FORM_FIELDS = ("filename", "customer_reference")
# Bytes read from a multipart upload's spooled file at a time.
READ_BYTES = service.CHUNK_BYTES

_UPLOAD_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "file": {"type": "string", "format": "byte",
                 "description": "The file's bytes, base64. A PDF, PNG or JPEG."},
        "filename": {"type": "string", "maxLength": 255},
        "customer_reference": {"type": "string", "maxLength": 255},
        "url": {"type": "string", "description": "Refused (422): portin does not fetch files"
                                                 " from other hosts."},
    },
}
UPLOAD_DOCS: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _UPLOAD_SCHEMA},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"},
                       "filename": {"type": "string", "maxLength": 255},
                       "customer_reference": {"type": "string", "maxLength": 255}}}},
}}, "parameters": [{"name": "content-type", "in": "query", "required": False,
                    "schema": {"type": "string"},
                    "description": "The SDK's `upload` sends content-type=multipart; the"
                                   " body's own Content-Type decides how it is read."}]}

DOCUMENT_LIST_DOCS: list[ParamDoc] = [
    ("filter[filename][contains]", {"type": "string"}, "Filenames holding this text."),
    ("filter[customer_reference][eq]", {"type": "string"}, "Exact customer reference."),
    ("filter[customer_reference][in][]", {"type": "array", "items": {"type": "string"}},
     "Any of these customer references (repeat the key or join with commas)."),
    ("filter[created_at][gt]", {"type": "string", "format": "date-time"}, "Created after."),
    ("filter[created_at][lt]", {"type": "string", "format": "date-time"}, "Created before."),
    ("sort", {"type": "array", "items": {"type": "string", "enum": list(DOCUMENT_SORTS)}},
     "Sort keys, joined with commas; '-' for descending. Default -created_at."),
    *PAGE_DOCS,
]
LINK_LIST_DOCS: list[ParamDoc] = [
    ("filter[linked_record_type]", {"type": "string"}, "Links to records of this type."),
    ("filter[linked_resource_id]", {"type": "string"}, "Links to this record."),
    *PAGE_DOCS,
]
SIGNED_DOCS: dict[str, Any] = {"security": [], **parameter_docs([
    ("expires", {"type": "string"}, "When the link stops working (Unix seconds)."),
    ("signature", {"type": "string"}, "The link's signature."),
])}
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {200: {
    "description": "The file's bytes, with its content type.",
    "content": {kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in ("application/octet-stream", *sorted(kinds.UPLOADABLE))}}}


# -- upload ---------------------------------------------------------------------------------
@router.post("/documents", summary="Upload a document (JSON with base64, or multipart)",
             openapi_extra=UPLOAD_DOCS)
async def upload_document(request: Request, caller: Caller = Depends(user_caller),
                          db: Database = Depends(get_db),
                          settings: Settings = Depends(get_settings)) -> responses.OneDocument:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        return await _upload_form(request, caller, db, settings)
    if media_type not in ("", "application/json") and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Send the document as JSON (base64 `file`) or as"
                                   " multipart/form-data (a `file` part).")
    fields = _json_upload(await request.body())
    if fields.url is not None:
        raise _NO_URLS
    if fields.file is None:
        raise InvalidRequest("Give the file's bytes, base64, in `file`.", pointer="/file")
    text = fields.file
    return await run_in_threadpool(
        _store, db, settings, org_id(caller), fields.filename, fields.customer_reference,
        lambda: _base64_pieces(text))


_NO_URLS = InvalidRequest(
    "portin does not fetch documents from URLs (it would make the server reach any address"
    " it is given); upload the file's bytes in `file` instead.", pointer="/url")


def _json_upload(body: bytes) -> DocumentUpload:
    try:
        return DocumentUpload.model_validate_json(body or b"{}")
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


def _base64_pieces(text: str) -> Iterator[bytes]:
    try:
        yield from kinds.base64_pieces(text)
    except ValueError as exc:
        raise InvalidRequest(f"`file` is not valid base64 ({exc}).", pointer="/file") from None


async def _upload_form(request: Request, caller: Caller, db: Database,
                       settings: Settings) -> responses.OneDocument:
    # python-multipart writes the file part to a temporary file past 1 MiB as it arrives, so
    # the upload is never whole in memory; it is then stored a chunk at a time.
    async with request.form(max_files=1, max_fields=len(FORM_FIELDS) + 1) as form:
        for key in form:
            if key == "url":
                raise _NO_URLS
            if key not in ("file", *FORM_FIELDS):
                raise InvalidRequest(f"Unknown form field {key!r}.", pointer=f"/{key}")
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidRequest("Send the file as a multipart part named `file`.",
                                 pointer="/file")
        values: dict[str, str | None] = {}
        for key in FORM_FIELDS:
            value = form.get(key)
            if isinstance(value, UploadFile):
                raise InvalidRequest(f"{key} must be a plain form field.", pointer=f"/{key}")
            if value is not None and (len(value) > 255 or "\x00" in value):
                raise InvalidRequest(f"{key} must be at most 255 characters, without NUL.",
                                     pointer=f"/{key}")
            values[key] = value
        filename = values["filename"] or upload.filename or None
        if filename is not None and len(filename) > 255:
            filename = filename[-255:]
        file = upload.file
        return await run_in_threadpool(
            _store, db, settings, org_id(caller), filename, values["customer_reference"],
            lambda: iter(lambda: file.read(READ_BYTES), b""))


def _store(db: Database, settings: Settings, organization_id: str, filename: str | None,
           customer_reference: str | None, pieces: Callable[[], Iterable[bytes]]
           ) -> responses.OneDocument:
    with db.writing() as session:
        document = service.upload(session, organization_id, filename, pieces(), utcnow(),
                                  max_bytes=settings.max_document_bytes,
                                  customer_reference=customer_reference)
        return responses.OneDocument(data=resources.document(document))


# -- the rest -------------------------------------------------------------------------------
@router.get("/documents", summary="List documents", openapi_extra=parameter_docs(
    DOCUMENT_LIST_DOCS))
def list_documents(request: Request, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.DocumentList:
    query = Query(request.query_params)
    references = [*query.texts("filter[customer_reference][in]"),
                  *query.texts("filter[customer_reference][in][]")]
    equal = query.text("filter[customer_reference][eq]")
    if equal is not None:
        references.append(equal)
    filters = DocumentFilters(
        organization_id=org_id(caller),
        filename_contains=query.text("filter[filename][contains]"),
        customer_references=tuple(references),
        created_after=query.timestamp("filter[created_at][gt]"),
        created_before=query.timestamp("filter[created_at][lt]"),
        sort=tuple(query.choices("sort", DOCUMENT_SORTS)) or ("-created_at",))
    page = query.page()
    with db.reading() as session:
        result = store.list_documents(session, filters, page)
        return responses.DocumentList(data=[resources.document(d) for d in result.items],
                                      meta=result.meta())


@router.get("/documents/{document_id}", summary="Retrieve a document")
def retrieve_document(document_id: str, caller: Caller = Depends(user_caller),
                      db: Database = Depends(get_db)) -> responses.OneDocument:
    with db.reading() as session:
        return responses.OneDocument(data=resources.document(
            service.require_document(session, document_id, org_id(caller))))


@router.patch("/documents/{document_id}", summary="Update a document's filename or reference")
def update_document(document_id: str, body: DocumentUpdate,
                    caller: Caller = Depends(user_caller),
                    db: Database = Depends(get_db)) -> responses.OneDocument:
    with db.writing() as session:
        document = service.update_document(session, org_id(caller), document_id,
                                           body.model_dump(exclude_unset=True), utcnow())
        return responses.OneDocument(data=resources.document(document))


@router.delete("/documents/{document_id}",
               summary="Delete a document (refused while a record uses it)")
def delete_document(document_id: str, caller: Caller = Depends(user_caller),
                    db: Database = Depends(get_db)) -> responses.OneDocument:
    with db.writing() as session:
        document = service.require_document(session, document_id, org_id(caller))
        answer = responses.OneDocument(data=resources.document(document))
        service.delete_document(session, document)
        return answer


@router.get("/documents/{document_id}/download", summary="Download a document's file",
            response_class=StreamingResponse, responses=FILE_RESPONSE)
def download_document(document_id: str, caller: Caller = Depends(user_caller),
                      db: Database = Depends(get_db)) -> StreamingResponse:
    with db.reading() as session:
        document = service.require_document(session, document_id, org_id(caller))
        return file_response(db, document.id, document.filename, document.content_type,
                              document.size_bytes)


@router.get("/documents/{document_id}/download_link",
            summary="A temporary link that downloads the file without an API key")
def download_link(document_id: str, caller: Caller = Depends(user_caller),
                  db: Database = Depends(get_db),
                  settings: Settings = Depends(get_settings)) -> responses.OneDownloadLink:
    # A write transaction: the signing secret is made on the first link ever asked for.
    with db.writing() as session:
        document = service.require_document(session, document_id, org_id(caller))
        url = service.download_link(session, document, public_base_url(settings), utcnow(),
                                    settings.document_link_seconds)
        return responses.OneDownloadLink(data=responses.DownloadLink(url=url))


@router.get("/documents/{document_id}/signed_download",
            summary="Download through a signed link (no API key)",
            response_class=StreamingResponse, responses=FILE_RESPONSE,
            openapi_extra=SIGNED_DOCS)
def signed_download(document_id: str, request: Request,
                    db: Database = Depends(get_db)) -> StreamingResponse:
    query = Query(request.query_params)
    expires, signature = query.text("expires", 32), query.text("signature", 128)
    with db.reading() as session:
        document = service.document_by_link(session, document_id, expires, signature, utcnow())
        return file_response(db, document.id, document.filename, document.content_type,
                              document.size_bytes)


@router.get("/document_links", summary="List where documents are used",
            openapi_extra=parameter_docs(LINK_LIST_DOCS))
def list_document_links(request: Request, caller: Caller = Depends(user_caller),
                        db: Database = Depends(get_db)) -> responses.DocumentLinkList:
    query = Query(request.query_params)
    filters = LinkFilters(organization_id=org_id(caller),
                          linked_record_type=query.text("filter[linked_record_type]", 64),
                          linked_resource_id=query.text("filter[linked_resource_id]", 64))
    page = query.page()
    with db.reading() as session:
        result = store.list_links(session, filters, page)
        return responses.DocumentLinkList(
            data=[resources.document_link(row) for row in result.items], meta=result.meta())


# -- streaming a file -----------------------------------------------------------------------
def file_response(db: Database, document_id: str, filename: str, content_type: str,
                  size_bytes: int) -> StreamingResponse:
    """A document's bytes as the answer (also for a shared order's documents, routes/sharing)."""
    return StreamingResponse(
        _chunks(db, document_id, size_bytes), media_type=content_type,
        headers={"Content-Length": str(size_bytes),
                 "Content-Disposition": kinds.content_disposition(filename),
                 "Cache-Control": "private, no-store"})


def _chunks(db: Database, document_id: str, size_bytes: int) -> Iterator[bytes]:
    """The file a chunk per short read transaction (Starlette iterates this on a worker
    thread). Not one transaction held for the whole stream: a slow client would keep a pooled
    connection (PostgreSQL: 20 slow downloads would starve the API) or a snapshot that stops
    SQLite's WAL from being checkpointed. A document's bytes never change, so each chunk is
    right on its own; one deleted mid-download ends the stream short of its Content-Length,
    which the client sees as an incomplete download."""
    sent = 0
    index = 0
    while sent < size_bytes:
        with db.reading() as session:
            data = store.read_chunk(session, document_id, index)
        if data is None:
            log.warning("document %s was deleted during its download", document_id)
            return
        sent += len(data)
        index += 1
        yield data

