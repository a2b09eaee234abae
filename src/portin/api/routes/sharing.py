"""Sharing an order's documents: the user's key makes a token (actions/share); the token's
holder, who has no API key, reads or updates that one order's documents through the
/shared_documents routes, which take nothing but a sharing token."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Depends, UploadFile
from fastapi.responses import StreamingResponse

from portin.api import resources, responses
from portin.api.deps import get_db, get_settings, org_id, shared_access, user_caller
from portin.api.routes.documents import FILE_RESPONSE, file_response
from portin.api.routing import OneHopRoute
from portin.api.schemas import ShareCreate
from portin.config import Settings
from portin.domain.errors import InvalidRequest, NotFound
from portin.domain.sharing import SHARED_UPLOAD_PURPOSES, Permission
from portin.domain.timefmt import utcnow
from portin.services import documents
from portin.services import sharing as sharing_service
from portin.services.accounts import Caller
from portin.services.order_documents import order_document_links, set_order_document
from portin.services.orders import require_order
from portin.services.sharing import SharedAccess
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Sharing"])

_read = shared_access(Permission.DOCUMENT_READ)
_update = shared_access(Permission.DOCUMENT_UPDATE)


@router.post("/porting_orders/{order_id}/actions/share", status_code=201,
             summary="Make a sharing token for an order's documents")
def share_order(order_id: str, body: ShareCreate | None = None,
                caller: Caller = Depends(user_caller),
                db: Database = Depends(get_db)) -> responses.OneSharingToken:
    request = body or ShareCreate()
    with db.writing() as session:
        issued = sharing_service.share(session, org_id(caller), order_id, request.permissions,
                                       request.expires_in_seconds, utcnow())
        return responses.OneSharingToken(data=resources.sharing_token(issued))


@router.get("/porting_orders/{order_id}/shared_documents",
            summary="List a shared order's documents (sharing token: document.read)")
def list_shared_documents(order_id: str, access: SharedAccess = Depends(_read),
                          db: Database = Depends(get_db)) -> responses.SharedDocuments:
    with db.reading() as session:
        order = require_order(session, order_id, access.organization_id)
        shown = []
        for link in order_document_links(session, order):
            document = documents.require_document(session, link.document_id,
                                                  access.organization_id)
            shown.append(resources.shared_document(document, link.purpose))
        return responses.SharedDocuments(data=shown)


@router.get("/porting_orders/{order_id}/shared_documents/{document_id}/download",
            response_class=StreamingResponse, responses=FILE_RESPONSE,
            summary="Download a shared order's document (sharing token: document.read)")
def download_shared_document(order_id: str, document_id: str,
                             access: SharedAccess = Depends(_read),
                             db: Database = Depends(get_db)) -> StreamingResponse:
    with db.reading() as session:
        order = require_order(session, order_id, access.organization_id)
        if document_id not in {link.document_id for link in order_document_links(session, order)}:
            raise NotFound(f"Document {document_id} is not one of this order's documents.")
        document = documents.require_document(session, document_id, access.organization_id)
        shown = (document.id, document.filename, document.content_type, document.size_bytes)
    return file_response(db, *shown)


@router.put("/porting_orders/{order_id}/shared_documents/{purpose}",
            summary="Upload an order's LOA or invoice (sharing token: document.update)")
def upload_shared_document(order_id: str, purpose: str, file: UploadFile,
                           access: SharedAccess = Depends(_update),
                           db: Database = Depends(get_db),
                           settings: Settings = Depends(get_settings)
                           ) -> responses.OneSharedDocument:
    if purpose not in SHARED_UPLOAD_PURPOSES:
        raise NotFound(f"An order's shared documents are {' and '.join(SHARED_UPLOAD_PURPOSES)},"
                       f" not {purpose!r}.")
    filename = (file.filename or "").strip() or f"{purpose}.pdf"
    if "\x00" in filename or len(filename) > 255:
        raise InvalidRequest("The file's name must be at most 255 characters, with no NUL.",
                             pointer="/file")
    now = utcnow()
    with db.writing() as session:
        order = require_order(session, order_id, access.organization_id)
        document = documents.store_document(
            session, access.organization_id, filename, _pieces(file), now,
            max_bytes=settings.max_body_bytes)
        set_order_document(session, order, purpose, document, now)
        return responses.OneSharedDocument(data=resources.shared_document(document, purpose))


def _pieces(file: UploadFile) -> Iterator[bytes]:
    while piece := file.file.read(documents.CHUNK_BYTES):
        yield piece
