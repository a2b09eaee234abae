"""/v2/delivery_destinations (portin's addition): every destination the organization's
deliveries go to, with its health, and enabling or disabling one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from portin.api import resources, responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.domain import endpoint_health as health
from portin.domain.timefmt import utcnow
from portin.services import destinations as service
from portin.services.accounts import Caller
from portin.storage import destinations as store
from portin.storage.db import Database
from portin.storage.destinations import DestinationFilters
from portin.storage.models import DeliveryDestination

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Delivery destinations"])

STATES = [str(s) for s in health.State]
DESTINATION_DOCS: list[ParamDoc] = [
    ("filter[state]", {"type": "string", "enum": STATES}, "Destinations in this state."),
    ("filter[method]", {"type": "string", "enum": ["webhook", "email"]}, ""),
    *PAGE_DOCS,
]


def render(session: Session, organization_id: str, rows: list[DeliveryDestination]
           ) -> list[responses.DeliveryDestination]:
    paused = store.paused_counts(session, organization_id, rows)
    return [resources.delivery_destination(row, paused[row.id]) for row in rows]


@router.get("/delivery_destinations", summary="List delivery destinations and their health",
            openapi_extra=parameter_docs(DESTINATION_DOCS))
def list_destinations(request: Request, caller: Caller = Depends(user_caller),
                      db: Database = Depends(get_db)) -> responses.DeliveryDestinationList:
    query = Query(request.query_params)
    organization_id = org_id(caller)
    filters = DestinationFilters(organization_id=organization_id,
                                 state=query.choice("filter[state]", STATES),
                                 method=query.choice("filter[method]", ["webhook", "email"]))
    page = query.page()
    with db.reading() as session:
        result = store.list_destinations(session, filters, page)
        return responses.DeliveryDestinationList(
            data=render(session, organization_id, result.items), meta=result.meta())


@router.get("/delivery_destinations/{destination_id}", summary="Retrieve a delivery destination")
def retrieve_destination(destination_id: str, caller: Caller = Depends(user_caller),
                         db: Database = Depends(get_db)) -> responses.OneDeliveryDestination:
    organization_id = org_id(caller)
    with db.reading() as session:
        row = service.require_destination(session, organization_id, destination_id)
        return responses.OneDeliveryDestination(data=render(session, organization_id, [row])[0])


@router.post("/delivery_destinations/{destination_id}/actions/disable",
             summary="Disable a destination: its deliveries are kept, paused, not sent")
def disable_destination(destination_id: str, caller: Caller = Depends(user_caller),
                        db: Database = Depends(get_db)) -> responses.OneDeliveryDestination:
    return _change(service.disable, destination_id, caller, db)


@router.post("/delivery_destinations/{destination_id}/actions/enable",
             summary="Enable a destination: its paused deliveries are sent, oldest first")
def enable_destination(destination_id: str, caller: Caller = Depends(user_caller),
                       db: Database = Depends(get_db)) -> responses.OneDeliveryDestination:
    return _change(service.enable, destination_id, caller, db)


def _change(action: Callable[[Session, str, str, datetime], service.Changed],
            destination_id: str, caller: Caller, db: Database
            ) -> responses.OneDeliveryDestination:
    organization_id = org_id(caller)
    with db.writing() as session:
        changed = action(session, organization_id, destination_id, utcnow())
        return responses.OneDeliveryDestination(
            data=render(session, organization_id, [changed.destination])[0])
