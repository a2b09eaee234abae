"""An order's paperwork and numbers on its portal page: requirements, documents (the LOA and
invoice uploaded, the LOA template downloaded), sharing links, number ranges, FOC windows,
activation and verification codes. Every handler calls the same services as the API, scoped
to the signed-in user's organization; another organization's order or document is a 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from portin.api.deps import get_db, get_settings
from portin.api.routes.documents import file_response
from portin.api.routes.loa import pdf
from portin.config import Settings
from portin.domain import activation as activation_rules
from portin.domain import verification_codes as code_rules
from portin.domain.errors import InvalidRequest, NotFound, PortinError
from portin.domain.lifecycle import OrderStatus
from portin.domain.sharing import MAX_EXPIRES_IN_SECONDS, MIN_EXPIRES_IN_SECONDS, Permission
from portin.domain.timefmt import utcnow
from portin.portal.web import check_csrf, redirect_with_notice, render, signed_in
from portin.services import activation as activation_service
from portin.services import documents as document_service
from portin.services import foc, loa_letters
from portin.services import orders as order_service
from portin.services import requirements as requirement_service
from portin.services import sharing as sharing_service
from portin.services.order_documents import PURPOSES, order_document_links, set_order_document
from portin.services.orders import require_order
from portin.services.users import SignedIn
from portin.storage import activation as activation_store
from portin.storage import documents as document_store
from portin.storage import loa as loa_store
from portin.storage import number_ranges as range_store
from portin.storage import sharing as sharing_store
from portin.storage import verification_codes as code_store
from portin.storage.db import Database
from portin.storage.loa import AdditionalDocumentFilters
from portin.storage.models import (
    PortingAssociatedPhoneNumber,
    PortingOrder,
    PortingPhoneNumberBlock,
    PortingPhoneNumberExtension,
)
from portin.storage.paging import PageRequest

router = APIRouter(include_in_schema=False)
WINDOWS_SHOWN = 5
SHARE_PERMISSIONS = [str(p) for p in Permission]


def paperwork_context(session: Session, order: PortingOrder, numbers: list[Any]
                      ) -> dict[str, Any]:
    """What the order page's paperwork and numbers sections show, read in the page's
    transaction."""
    links = order_document_links(session, order)
    by_id = document_store.documents_of(session, order.organization_id,
                                        [link.document_id for link in links])
    documents = [{"purpose": link.purpose, "document": by_id[link.document_id]}
                 for link in links if link.document_id in by_id]
    additional = loa_store.list_additional_documents(
        session, AdditionalDocumentFilters(order.organization_id, order.id),
        PageRequest(1, 100)).items
    codes = code_store.codes_by_number(session, order.id, order.organization_id)
    now = utcnow()
    jobs = activation_store.list_jobs(session, order.id, PageRequest(1, 5)).items
    status = OrderStatus(order.status)
    return {
        "requirements": requirement_service.of_order(session, order),
        "documents": documents,
        "additional_documents": [{"type": row.document_type, "document": document}
                                 for row, document in additional],
        "sharing_tokens": sharing_store.tokens_of_order(session, order.organization_id, order.id),
        "share_permissions": SHARE_PERMISSIONS,
        "blocks": range_store.ranges_of(session, PortingPhoneNumberBlock, order.id),
        "extensions": range_store.ranges_of(session, PortingPhoneNumberExtension, order.id),
        "associated": range_store.ranges_of(session, PortingAssociatedPhoneNumber, order.id),
        "foc_windows": foc.allowed_windows(session, order, now)[:WINDOWS_SHOWN],
        "activation_jobs": jobs,
        "can_activate": (order.fast_port_eligible
                         and status in activation_rules.ACTIVATABLE
                         and not any(job.status in activation_service.LIVE for job in jobs)),
        "verification": [{"number": n.phone_number, "code": codes.get(n.phone_number)}
                         for n in numbers if code_rules.needs_code(n.phone_number_type)],
    }


def _page_with(request: Request, user: SignedIn, db: Database, order_id: str,
               status_code: int = 200, **extra: Any) -> Response:
    from portin.portal.pages_orders import order_context  # the page this module extends
    return render(request, "order.html", user, status_code=status_code,
                  **order_context(db, user, order_id), **extra)


def _refused(request: Request, user: SignedIn, db: Database, order_id: str,
             exc: PortinError, field: str | None, **form: Any) -> Response:
    """The order page again, the refusal beside the field it concerns (at the top of the
    page where no field on it is concerned); the order not found is the portal's 404."""
    if isinstance(exc, NotFound):
        raise exc
    shown: dict[str, Any] = ({"field_errors": {field: exc.detail}} if field is not None
                             else {"error": exc.detail})
    return _page_with(request, user, db, order_id, status_code=exc.status_code, form=form,
                      **shown)


# -- requirements ---------------------------------------------------------------------------
@router.post("/orders/{order_id}/requirements")
def fill_requirement(order_id: str, request: Request, requirement_type_id: str = Form(""),
                     field_value: str = Form(""), csrf_token: str = Form(""),
                     user: SignedIn = Depends(signed_in),
                     db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    field: str | None = None  # until the type is known to be one of the order's
    try:
        with db.writing() as session:
            order = require_order(session, order_id, user.organization_id)
            requirement = requirement_service.of_order(session, order).find(requirement_type_id)
            if requirement is not None:
                field = f"requirement:{requirement_type_id}"
            if requirement is not None and requirement.type.type == "document":
                raise InvalidRequest("A document requirement takes a document; upload it"
                                     " with the LOA or invoice form.")
            # The order's PATCH itself: its status may keep the requirements from changing.
            order_service.update_order(
                session, user.organization_id, order.id,
                {"requirements": [{"requirement_type_id": requirement_type_id,
                                   "field_value": field_value}]}, utcnow())
    except PortinError as exc:
        return _refused(request, user, db, order_id, exc, field, field_value=field_value)
    return redirect_with_notice(request, f"/orders/{order_id}#requirements-h",
                                "Requirement saved.")


# -- documents and the LOA ------------------------------------------------------------------
@router.post("/orders/{order_id}/documents")
def upload_document(order_id: str, request: Request, purpose: str = Form(""),
                    file: UploadFile | None = File(None), csrf_token: str = Form(""),
                    user: SignedIn = Depends(signed_in), db: Database = Depends(get_db),
                    settings: Settings = Depends(get_settings)) -> Response:
    """The order's LOA or invoice from a file input: stored as POST /v2/documents stores it
    and put on the order as a PATCH of `documents` (or a sharing token's upload) puts it."""
    check_csrf(user, csrf_token)
    field = f"document:{purpose if purpose in PURPOSES else 'loa'}"
    try:
        if purpose not in PURPOSES:
            raise InvalidRequest(f"An order's uploaded documents are {' and '.join(PURPOSES)}.")
        if file is None or not file.filename:
            raise InvalidRequest("Choose a file to upload.")
        filename = document_service.check_filename(file.filename.strip(), "/file")
        now = utcnow()
        with db.writing() as session:
            order = require_order(session, order_id, user.organization_id)
            document = document_service.store_document(
                session, user.organization_id, filename, _pieces(file), now,
                max_bytes=settings.max_document_bytes)
            set_order_document(session, order, purpose, document, now)
    except PortinError as exc:
        return _refused(request, user, db, order_id, exc, field)
    label = "LOA" if purpose == "loa" else "Invoice"
    return redirect_with_notice(request, f"/orders/{order_id}#documents-h",
                                f"{label} uploaded.")


def _pieces(file: UploadFile) -> Iterator[bytes]:
    while piece := file.file.read(document_service.CHUNK_BYTES):
        yield piece


@router.get("/orders/{order_id}/documents/{document_id}")
def download_document(order_id: str, document_id: str, user: SignedIn = Depends(signed_in),
                      db: Database = Depends(get_db)) -> Response:
    """One of the order's documents (its LOA, invoice or an additional one); any other
    document, or another organization's, is a 404."""
    with db.reading() as session:
        order = require_order(session, order_id, user.organization_id)
        used = {link.document_id for link in order_document_links(session, order)}
        used |= {document.id for _, document in loa_store.list_additional_documents(
            session, AdditionalDocumentFilters(order.organization_id, order.id),
            PageRequest(1, 100)).items}
        if document_id not in used:
            raise NotFound(f"Document {document_id} is not one of this order's documents.")
        document = document_service.require_document(session, document_id,
                                                     user.organization_id)
        shown = (document.id, document.filename, document.content_type, document.size_bytes)
    return file_response(db, *shown)


@router.get("/orders/{order_id}/loa_template")
def loa_template(order_id: str, user: SignedIn = Depends(signed_in),
                 db: Database = Depends(get_db)) -> Response:
    """The same letter as GET /v2/porting_orders/{id}/loa_template, with the organization's
    first LOA configuration's branding."""
    with db.reading() as session:
        content = loa_letters.order_letter(session, user.organization_id, order_id, None,
                                           utcnow().date())
    return pdf(content, f"loa-{order_id}.pdf")


# -- sharing --------------------------------------------------------------------------------
@router.post("/orders/{order_id}/share")
def share(order_id: str, request: Request, permission: str = Form(""),
          expires_in_seconds: str = Form(""), csrf_token: str = Form(""),
          user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    """A new sharing token, shown once on the page it answers with (never in a redirect)."""
    check_csrf(user, csrf_token)
    form = {"permission": permission, "expires_in_seconds": expires_in_seconds}
    try:
        if permission not in SHARE_PERMISSIONS:
            raise InvalidRequest("Choose what the link allows: reading or updating the"
                                 " order's documents.")
        seconds = _seconds(expires_in_seconds)
        with db.writing() as session:
            issued = sharing_service.share(session, user.organization_id, order_id,
                                           Permission(permission), seconds, utcnow())
            shown = {"token": issued.token, "expires_at": issued.row.expires_at,
                     "permission": issued.row.permission}
    except PortinError as exc:
        return _refused(request, user, db, order_id, exc, "share", **form)
    return _page_with(request, user, db, order_id, issued_token=shown,
                      notice="Sharing link made. Copy the token now: it is shown only once.")


def _seconds(raw: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not (
            MIN_EXPIRES_IN_SECONDS <= int(text) <= MAX_EXPIRES_IN_SECONDS):
        raise InvalidRequest(f"The expiry is a whole number of seconds from"
                             f" {MIN_EXPIRES_IN_SECONDS} to {MAX_EXPIRES_IN_SECONDS}.")
    return int(text)


# -- activation -----------------------------------------------------------------------------
@router.post("/orders/{order_id}/activate")
def activate(order_id: str, request: Request, csrf_token: str = Form(""),
             user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    try:
        with db.writing() as session:
            activation_service.activate(session, user.organization_id, order_id, utcnow())
    except PortinError as exc:
        return _refused(request, user, db, order_id, exc, "activate")
    return redirect_with_notice(request, f"/orders/{order_id}#numbers-detail-h",
                                "Activation requested.")
