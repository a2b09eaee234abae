"""/v2/porting/reports: ask for a report (answered pending; the worker builds it), list them,
and retrieve one (completed, with the document_id of its CSV)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from portin.api import resources, responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import ReportCreate
from portin.domain.reports import ExportFilters, ReportStatus, ReportType
from portin.domain.timefmt import utcnow
from portin.services import reports as report_service
from portin.services.accounts import Caller
from portin.storage import reports as report_store
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Porting reports"])

REPORT_TYPES = [str(t) for t in ReportType]
REPORT_STATUSES = [str(s) for s in ReportStatus]

REPORT_FILTER_DOCS: list[ParamDoc] = [
    ("filter[report_type]", {"type": "string", "enum": REPORT_TYPES}, "Reports of this type."),
    ("filter[status]", {"type": "string", "enum": REPORT_STATUSES}, "Reports in this status."),
    *PAGE_DOCS,
]


@router.post("/porting/reports", status_code=201, summary="Ask for a porting report")
def create_report(body: ReportCreate, caller: Caller = Depends(user_caller),
                  db: Database = Depends(get_db)) -> responses.OneReport:
    filters = body.params.filters
    export = ExportFilters(
        created_at_gt=filters.created_at__gt, created_at_lt=filters.created_at__lt,
        customer_reference_in=(None if filters.customer_reference__in is None
                               else tuple(filters.customer_reference__in)),
        status_in=(None if filters.status__in is None
                   else tuple(str(s) for s in filters.status__in)))
    with db.writing() as session:
        row = report_service.create_report(session, org_id(caller), body.report_type, export,
                                           utcnow())
        return responses.OneReport(data=resources.report(row))


@router.get("/porting/reports", summary="List porting reports",
            openapi_extra=parameter_docs(REPORT_FILTER_DOCS))
def list_reports(request: Request, caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db)) -> responses.ReportList:
    query = Query(request.query_params)
    filters = report_store.ReportFilters(
        organization_id=org_id(caller),
        report_type=query.choice("filter[report_type]", REPORT_TYPES),
        status=query.choice("filter[status]", REPORT_STATUSES))
    page = query.page()
    with db.reading() as session:
        result = report_store.list_reports(session, filters, page)
        return responses.ReportList(data=[resources.report(r) for r in result.items],
                                    meta=responses.PageMeta(**result.meta()))


@router.get("/porting/reports/{report_id}", summary="Retrieve a porting report")
def retrieve_report(report_id: str, caller: Caller = Depends(user_caller),
                    db: Database = Depends(get_db)) -> responses.OneReport:
    with db.reading() as session:
        row = report_service.require_report(session, report_id, org_id(caller))
        return responses.OneReport(data=resources.report(row))
