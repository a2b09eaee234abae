"""/v2/porting/loa_configurations, an order's LOA template (a PDF) and its additional
documents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from portin.api import resources, responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import (
    AdditionalDocumentsCreate,
    LoaConfigurationBody,
    LoaConfigurationUpdate,
)
from portin.domain.timefmt import utcnow
from portin.services import additional_documents as attachments
from portin.services import loa_configurations as service
from portin.services import loa_letters, loa_pdf
from portin.services.accounts import Caller
from portin.services.orders import require_order
from portin.storage import loa as store
from portin.storage.db import Database
from portin.storage.loa import AdditionalDocumentFilters

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["LOA"])

DOCUMENT_TYPES = ["loa", "invoice", "csr", "other"]
ADDITIONAL_SORTS = ["created_at", "-created_at"]
PDF_ANSWER: dict[int | str, dict[str, Any]] = {200: {
    "description": "The Letter of Authorization, a PDF.",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}
TEMPLATE_DOCS: list[ParamDoc] = [
    ("loa_configuration_id", {"type": "string"},
     "The LOA configuration whose branding the letter carries; by default the"
     " organization's first one (none: an unbranded letter)."),
]
ADDITIONAL_DOCS: list[ParamDoc] = [
    ("filter[document_type]", {"type": "array", "items": {"type": "string",
                                                          "enum": DOCUMENT_TYPES}},
     "Documents of any of these types (repeat the key or join with commas)."),
    ("sort[value]", {"type": "string", "enum": ADDITIONAL_SORTS},
     "Sort order; newest first by default."),
    *PAGE_DOCS,
]


def pdf(content: loa_pdf.LoaContent, filename: str) -> Response:
    """The letter drawn after its data was read, so no transaction is held while drawing."""
    return Response(loa_pdf.render(content), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


# -- configurations ---------------------------------------------------------------------
@router.post("/porting/loa_configurations", status_code=201,
             summary="Create a LOA configuration")
def create_configuration(body: LoaConfigurationBody, caller: Caller = Depends(user_caller),
                         db: Database = Depends(get_db)) -> responses.OneLoaConfiguration:
    with db.writing() as session:
        row = service.create(session, org_id(caller), body.model_dump(), utcnow())
        return responses.OneLoaConfiguration(data=resources.loa_configuration(row))


@router.get("/porting/loa_configurations", summary="List LOA configurations",
            openapi_extra=parameter_docs(PAGE_DOCS))
def list_configurations(request: Request, caller: Caller = Depends(user_caller),
                        db: Database = Depends(get_db)) -> responses.LoaConfigurationList:
    page = Query(request.query_params).page()
    with db.reading() as session:
        result = store.list_configurations(session, org_id(caller), page)
        return responses.LoaConfigurationList(
            data=[resources.loa_configuration(row) for row in result.items],
            meta=result.meta())


@router.post("/porting/loa_configurations/preview", response_class=Response,
             responses=PDF_ANSWER, summary="Preview the LOA of unsaved configuration fields")
def preview_fields(body: LoaConfigurationBody, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> Response:
    with db.reading() as session:
        content = loa_letters.body_preview(session, org_id(caller), body.model_dump(),
                                           utcnow().date())
    return pdf(content, "loa-preview.pdf")


@router.get("/porting/loa_configurations/{loa_configuration_id}",
            summary="Retrieve a LOA configuration")
def retrieve_configuration(loa_configuration_id: str, caller: Caller = Depends(user_caller),
                           db: Database = Depends(get_db)) -> responses.OneLoaConfiguration:
    with db.reading() as session:
        row = service.require_configuration(session, loa_configuration_id, org_id(caller))
        return responses.OneLoaConfiguration(data=resources.loa_configuration(row))


@router.patch("/porting/loa_configurations/{loa_configuration_id}",
              summary="Update a LOA configuration")
def update_configuration(loa_configuration_id: str, body: LoaConfigurationUpdate,
                         caller: Caller = Depends(user_caller),
                         db: Database = Depends(get_db)) -> responses.OneLoaConfiguration:
    with db.writing() as session:
        row = service.update(session, org_id(caller), loa_configuration_id,
                             body.model_dump(exclude_unset=True), utcnow())
        return responses.OneLoaConfiguration(data=resources.loa_configuration(row))


@router.delete("/porting/loa_configurations/{loa_configuration_id}", status_code=204,
               response_class=Response, summary="Delete a LOA configuration")
def delete_configuration(loa_configuration_id: str, caller: Caller = Depends(user_caller),
                         db: Database = Depends(get_db)) -> Response:
    with db.writing() as session:
        service.delete(session, org_id(caller), loa_configuration_id)
    return Response(status_code=204)


@router.get("/porting/loa_configurations/{loa_configuration_id}/preview",
            response_class=Response, responses=PDF_ANSWER,
            summary="Preview the LOA of a saved configuration")
def preview_configuration(loa_configuration_id: str, caller: Caller = Depends(user_caller),
                          db: Database = Depends(get_db)) -> Response:
    with db.reading() as session:
        content = loa_letters.configuration_preview(session, org_id(caller),
                                                    loa_configuration_id, utcnow().date())
    return pdf(content, f"loa-preview-{loa_configuration_id}.pdf")


# -- an order's letter ------------------------------------------------------------------
@router.get("/porting_orders/{order_id}/loa_template", response_class=Response,
            responses=PDF_ANSWER, openapi_extra=parameter_docs(TEMPLATE_DOCS),
            summary="Download the order's Letter of Authorization")
def loa_template(order_id: str, request: Request, caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db)) -> Response:
    configuration_id = Query(request.query_params).text("loa_configuration_id", 64)
    with db.reading() as session:
        content = loa_letters.order_letter(session, org_id(caller), order_id,
                                           configuration_id, utcnow().date())
    return pdf(content, f"loa-{order_id}.pdf")


# -- additional documents ---------------------------------------------------------------
@router.post("/porting_orders/{order_id}/additional_documents", status_code=201,
             summary="Attach additional documents to an order")
def create_additional_documents(order_id: str, body: AdditionalDocumentsCreate,
                                caller: Caller = Depends(user_caller),
                                db: Database = Depends(get_db)
                                ) -> responses.CreatedAdditionalDocuments:
    items = [(item.document_id, item.document_type) for item in body.additional_documents]
    with db.writing() as session:
        attached = attachments.attach(session, org_id(caller), order_id, items, utcnow())
        return responses.CreatedAdditionalDocuments(
            data=[resources.additional_document(row, doc) for row, doc in attached])


@router.get("/porting_orders/{order_id}/additional_documents",
            summary="List an order's additional documents",
            openapi_extra=parameter_docs(ADDITIONAL_DOCS))
def list_additional_documents(order_id: str, request: Request,
                              caller: Caller = Depends(user_caller),
                              db: Database = Depends(get_db)
                              ) -> responses.AdditionalDocumentList:
    query = Query(request.query_params)
    types = query.choices("filter[document_type]", DOCUMENT_TYPES)
    types += query.choices("filter[document_type][]", DOCUMENT_TYPES)
    sort = query.choice("sort[value]", ADDITIONAL_SORTS) or "-created_at"
    page = query.page()
    with db.reading() as session:
        order = require_order(session, order_id, org_id(caller))
        result = store.list_additional_documents(session, AdditionalDocumentFilters(
            organization_id=org_id(caller), porting_order_id=order.id,
            document_types=tuple(types), newest_first=sort == "-created_at"), page)
        return responses.AdditionalDocumentList(
            data=[resources.additional_document(row, doc) for row, doc in result.items],
            meta=result.meta())


@router.delete("/porting_orders/{order_id}/additional_documents/{additional_document_id}",
               status_code=204, response_class=Response,
               summary="Remove an additional document from an order")
def delete_additional_document(order_id: str, additional_document_id: str,
                               caller: Caller = Depends(user_caller),
                               db: Database = Depends(get_db)) -> Response:
    with db.writing() as session:
        attachments.detach(session, org_id(caller), order_id, additional_document_id)
    return Response(status_code=204)
