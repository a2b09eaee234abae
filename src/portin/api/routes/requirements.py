"""An order's requirements (GET /v2/porting_orders/{id}/requirements) and the organization's
porting settings (GET/PATCH /v2/porting/settings: whether confirm needs the requirements met).
Values are given through PATCH /v2/porting_orders/{id} (routes/orders.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from portin.api import resources, responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.query import PAGE_DOCS, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import PortingSettingsUpdate
from portin.domain.timefmt import utcnow
from portin.services import orders as order_service
from portin.services import requirements as requirement_service
from portin.services.accounts import Caller
from portin.storage.db import Database
from portin.storage.models import PortingOrder
from portin.storage.paging import Page

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Requirements"])


def requirement_page(session: Session, order: PortingOrder, request: Request
                     ) -> responses.RequirementList:
    """A page of the requirements that apply to the order (by name), with its values."""
    page = Query(request.query_params).page()
    items = requirement_service.of_order(session, order).items
    shown = Page(items[page.offset:page.offset + page.size], len(items), page)
    return responses.RequirementList(data=[resources.requirement(i) for i in shown.items],
                                     meta=responses.PageMeta(**shown.meta()))


@router.get("/porting_orders/{order_id}/requirements",
            summary="List an order's requirements (by its numbers' country and type)",
            openapi_extra=parameter_docs(PAGE_DOCS))
def list_requirements(order_id: str, request: Request, caller: Caller = Depends(user_caller),
                      db: Database = Depends(get_db)) -> responses.RequirementList:
    with db.reading() as session:
        order = order_service.require_order(session, order_id, org_id(caller))
        return requirement_page(session, order, request)


@router.get("/porting/settings", summary="The organization's porting settings")
def get_settings(caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db)) -> responses.OnePortingSettings:
    with db.reading() as session:
        settings = requirement_service.settings_of(session, org_id(caller))
        return responses.OnePortingSettings(data=resources.porting_settings(settings))


@router.patch("/porting/settings", summary="Change the organization's porting settings")
def update_settings(body: PortingSettingsUpdate, caller: Caller = Depends(user_caller),
                    db: Database = Depends(get_db)) -> responses.OnePortingSettings:
    with db.writing() as session:
        settings = requirement_service.update_settings(
            session, org_id(caller), body.model_dump(exclude_unset=True), utcnow())
        return responses.OnePortingSettings(data=resources.porting_settings(settings))
