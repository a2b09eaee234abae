"""/v2/webhook_deliveries: the log of every delivery and each of its attempts (email too)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from portin.api import resources, responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routes.events import EVENT_TYPES
from portin.api.routing import OneHopRoute
from portin.domain.errors import NotFound
from portin.outbox import log as store
from portin.outbox.log import DeliveryFilters
from portin.services.accounts import Caller
from portin.storage.db import Database
from portin.storage.models import Delivery

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Webhook deliveries"])

DELIVERY_STATUSES = ["delivered", "failed", "pending", "paused"]
DELIVERY_DOCS: list[ParamDoc] = [
    ("filter[status][eq]", {"type": "string", "enum": DELIVERY_STATUSES}, "Delivery status."),
    ("filter[event_type]", {"type": "string"}, "Event types, comma-separated."),
    ("filter[webhook][contains]", {"type": "string"}, "Destination contains this text."),
    ("filter[event_id]", {"type": "string"}, "Deliveries of one event (portin)."),
    ("filter[porting_order_id]", {"type": "string"}, "Deliveries of one order (portin)."),
    ("filter[method]", {"type": "string", "enum": ["webhook", "email"]}, "(portin)"),
    ("filter[started_at][gte]", {"type": "string", "format": "date-time"}, ""),
    ("filter[started_at][lte]", {"type": "string", "format": "date-time"}, ""),
    ("filter[finished_at][gte]", {"type": "string", "format": "date-time"}, ""),
    ("filter[finished_at][lte]", {"type": "string", "format": "date-time"}, ""),
    *PAGE_DOCS,
]


def render_deliveries(session: Session, rows: list[Delivery]
                      ) -> list[responses.WebhookDelivery]:
    attempts = store.attempts_of(session, [d.id for d in rows])
    events = store.events_by_id(session, [d.event_id for d in rows])
    return [resources.delivery(d, events.get(d.event_id), attempts[d.id]) for d in rows]


@router.get("/webhook_deliveries", summary="List deliveries",
            openapi_extra=parameter_docs(DELIVERY_DOCS))
def list_deliveries(request: Request, caller: Caller = Depends(user_caller),
                    db: Database = Depends(get_db)) -> responses.DeliveryList:
    query = Query(request.query_params)
    filters = DeliveryFilters(
        organization_id=org_id(caller),
        status=query.choice("filter[status][eq]", DELIVERY_STATUSES)
        or query.choice("filter[status]", DELIVERY_STATUSES),
        event_types=tuple(query.choices("filter[event_type]", EVENT_TYPES)),
        destination_contains=query.text("filter[webhook][contains]", 2048),
        event_id=query.text("filter[event_id]", 64),
        porting_order_id=query.text("filter[porting_order_id]", 64),
        method=query.choice("filter[method]", ["webhook", "email"]),
        started_gte=query.timestamp("filter[started_at][gte]"),
        started_lte=query.timestamp("filter[started_at][lte]"),
        finished_gte=query.timestamp("filter[finished_at][gte]"),
        finished_lte=query.timestamp("filter[finished_at][lte]"),
    )
    page = query.page()
    with db.reading() as session:
        result = store.list_deliveries(session, filters, page)
        return responses.DeliveryList(data=render_deliveries(session, result.items),
                                      meta=result.meta())


@router.get("/webhook_deliveries/{delivery_id}", summary="Retrieve a delivery")
def retrieve_delivery(delivery_id: str, caller: Caller = Depends(user_caller),
                      db: Database = Depends(get_db)) -> responses.OneDelivery:
    with db.reading() as session:
        row = store.get_delivery(session, delivery_id, org_id(caller))
        if row is None:
            raise NotFound(f"Delivery {delivery_id} was not found.")
        return responses.OneDelivery(data=render_deliveries(session, [row])[0])
