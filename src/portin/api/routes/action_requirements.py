"""/v2/porting_orders/{id}/action_requirements: list and initiate them; the porting desk
moves them to their outcome."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from portin.api import resources, responses
from portin.api.deps import get_db, operator_caller, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import ActionRequirementInitiate, ActionRequirementStatusChange
from portin.domain.action_requirements import ACTION_TYPES, RequirementStatus
from portin.domain.errors import InvalidRequest
from portin.domain.timefmt import utcnow
from portin.services import action_requirements as requirement_service
from portin.services import orders as order_service
from portin.services.accounts import Caller
from portin.storage import action_requirements as requirement_store
from portin.storage.action_requirements import REQUIREMENT_SORTS, RequirementFilters
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Action requirements"])
operator_router = APIRouter(route_class=OneHopRoute,
                            prefix="/v2/operator", tags=["Operator (porting desk)"],
                            dependencies=[Depends(operator_caller)])

STATUSES = [str(s) for s in RequirementStatus]
MAX_IDS = 100
LIST_DOCS: list[ParamDoc] = [
    ("filter[id][in][]", {"type": "array", "items": {"type": "string"}, "maxItems": MAX_IDS},
     "Requirements with these ids (repeat the key or join with commas; also filter[id])."),
    ("filter[requirement_type_id]", {"type": "string"}, "Requirements of this type."),
    ("filter[action_type]", {"type": "string", "enum": list(ACTION_TYPES)},
     "Requirements of this action type."),
    ("filter[status]", {"type": "string", "enum": STATUSES}, "Requirements in this status."),
    ("sort[value]", {"type": "string", "enum": list(REQUIREMENT_SORTS)},
     "Sort order (also sort); newest first by default."),
    *PAGE_DOCS,
]


def _ids(request: Request) -> tuple[str, ...]:
    """filter[id] as the SDK sends it (comma-joined) or as the spec names it (filter[id][in][]),
    repeated or not. (Query has refused NUL characters already.)"""
    found: list[str] = []
    for key in ("filter[id]", "filter[id][in]", "filter[id][in][]"):
        for raw in request.query_params.getlist(key):
            found += [value.strip() for value in raw.split(",") if value.strip()]
    if len(found) > MAX_IDS or any(len(value) > 64 for value in found):
        raise InvalidRequest(f"filter[id] takes at most {MAX_IDS} ids of at most 64"
                             " characters.", parameter="filter[id][in][]")
    return tuple(found)


def _requirements_page(session: Session, request: Request, order_id: str,
                       organization_id: str | None) -> responses.ActionRequirementList:
    query = Query(request.query_params)
    order = order_service.require_order(session, order_id, organization_id)
    filters = RequirementFilters(
        organization_id=order.organization_id, porting_order_id=order.id, ids=_ids(request),
        requirement_type_id=query.text("filter[requirement_type_id]", 64),
        action_type=query.choice("filter[action_type]", ACTION_TYPES),
        status=query.choice("filter[status]", STATUSES),
        sort=(query.choice("sort[value]", REQUIREMENT_SORTS)
              or query.choice("sort", REQUIREMENT_SORTS) or "-created_at"))
    result = requirement_store.list_requirements(session, filters, query.page())
    return responses.ActionRequirementList(
        data=[resources.action_requirement(r) for r in result.items], meta=result.meta())


@router.get("/porting_orders/{order_id}/action_requirements",
            summary="List an order's action requirements",
            openapi_extra=parameter_docs(LIST_DOCS))
def list_requirements(order_id: str, request: Request, caller: Caller = Depends(user_caller),
                      db: Database = Depends(get_db)) -> responses.ActionRequirementList:
    with db.reading() as session:
        return _requirements_page(session, request, order_id, org_id(caller))


@router.post("/porting_orders/{order_id}/action_requirements/{requirement_id}/initiate",
             summary="Initiate an action requirement")
def initiate(order_id: str, requirement_id: str, body: ActionRequirementInitiate,
             caller: Caller = Depends(user_caller),
             db: Database = Depends(get_db)) -> responses.OneActionRequirement:
    with db.writing() as session:
        row = requirement_service.initiate(session, org_id(caller), order_id, requirement_id,
                                           body.params.first_name, body.params.last_name,
                                           utcnow())
        return responses.OneActionRequirement(data=resources.action_requirement(row))


@operator_router.get("/porting_orders/{order_id}/action_requirements",
                     summary="List any order's action requirements",
                     openapi_extra=parameter_docs(LIST_DOCS))
def operator_list_requirements(order_id: str, request: Request,
                               db: Database = Depends(get_db)
                               ) -> responses.ActionRequirementList:
    with db.reading() as session:
        return _requirements_page(session, request, order_id, None)


@operator_router.post("/porting_orders/{order_id}/action_requirements/{requirement_id}",
                      summary="Move an action requirement to a new status")
def move_requirement(order_id: str, requirement_id: str, body: ActionRequirementStatusChange,
                     db: Database = Depends(get_db)) -> responses.OneActionRequirement:
    with db.writing() as session:
        row = requirement_service.set_status(session, order_id, requirement_id, body.status,
                                             body.cancel_reason, utcnow())
        return responses.OneActionRequirement(data=resources.action_requirement(row))
