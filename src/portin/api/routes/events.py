"""/v2/porting/events: the organization's immutable event history."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from portin.api import resources, responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import RepublishBody
from portin.domain.errors import NotFound
from portin.domain.events import EventType
from portin.domain.timefmt import utcnow
from portin.outbox.fan_out import Narrowing
from portin.services.accounts import Caller
from portin.services.republish import republish
from portin.storage import events as event_store
from portin.storage.db import Database
from portin.storage.events import EventFilters

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Porting events"])

EVENT_TYPES = [str(t) for t in EventType]

EVENT_FILTER_DOCS: list[ParamDoc] = [
    ("filter[type]", {"type": "string", "enum": EVENT_TYPES}, "Events of this type."),
    ("filter[porting_order_id]", {"type": "string", "format": "uuid"},
     "Events of one porting order."),
    ("filter[created_at][gte]", {"type": "string", "format": "date-time"},
     "Created at or after this time."),
    ("filter[created_at][lte]", {"type": "string", "format": "date-time"},
     "Created at or before this time."),
    *PAGE_DOCS,
]


def parse_event_filters(query: Query, organization_id: str) -> EventFilters:
    return EventFilters(
        organization_id=organization_id,
        event_type=query.choice("filter[type]", EVENT_TYPES),
        porting_order_id=query.text("filter[porting_order_id]", max_length=64),
        created_gte=query.timestamp("filter[created_at][gte]"),
        created_lte=query.timestamp("filter[created_at][lte]"),
    )


@router.get("/porting/events", summary="List porting events",
            openapi_extra=parameter_docs(EVENT_FILTER_DOCS))
def list_events(request: Request, caller: Caller = Depends(user_caller),
                db: Database = Depends(get_db)) -> responses.EventList:
    query = Query(request.query_params)
    filters = parse_event_filters(query, org_id(caller))
    page = query.page()
    with db.reading() as session:
        result = event_store.list_events(session, filters, page)
        return responses.EventList(data=[resources.event(e) for e in result.items],
                                   meta=result.meta())


@router.get("/porting/events/{event_id}", summary="Retrieve a porting event")
def retrieve_event(event_id: str, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneEvent:
    with db.reading() as session:
        row = event_store.get_event(session, event_id, org_id(caller))
        if row is None:
            raise NotFound(f"Porting event {event_id} was not found.")
        return responses.OneEvent(data=resources.event(row))


@router.post("/porting/events/{event_id}/republish", status_code=204, response_class=Response,
             summary="Send an event again to the destinations subscribed now")
def republish_event(event_id: str, body: RepublishBody | None = None,
                    caller: Caller = Depends(user_caller),
                    db: Database = Depends(get_db)) -> Response:
    narrowing = Narrowing(
        notification_channel_id=body.notification_channel_id if body else None,
        webhook_url_only=body.webhook_url_only if body else False)
    with db.writing() as session:
        republish(session, org_id(caller), event_id, narrowing, utcnow())
    return Response(status_code=204)
