"""Events and deliveries: lists with the API's filters, one event (with Republish), one
delivery with its attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from portin.api.deps import get_db
from portin.domain.errors import NotFound, PortinError
from portin.domain.events import EventType
from portin.domain.timefmt import utcnow
from portin.outbox import log as delivery_store
from portin.outbox.fan_out import Narrowing
from portin.outbox.log import DeliveryFilters
from portin.portal.pages_destinations import destinations_with_paused
from portin.portal.web import (
    check_csrf,
    page_number,
    redirect_with_notice,
    render,
    signed_in,
)
from portin.services.republish import republish
from portin.services.users import SignedIn
from portin.storage import events as event_store
from portin.storage.db import Database
from portin.storage.events import EventFilters
from portin.storage.paging import PageRequest

router = APIRouter(include_in_schema=False)
EVENT_TYPES = [str(t) for t in EventType]
PAGE_SIZE = 25


def _day(value: str | None, end_of_day: bool = False) -> datetime | None:
    """A date from a date input (YYYY-MM-DD), as the start or end of that UTC day."""
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return day + timedelta(days=1, microseconds=-1) if end_of_day else day


@router.get("/events", response_class=HTMLResponse)
def events(request: Request, user: SignedIn = Depends(signed_in),
           db: Database = Depends(get_db)) -> HTMLResponse:
    params = request.query_params
    event_type = params.get("type") if params.get("type") in EVENT_TYPES else None
    filters = EventFilters(
        organization_id=user.organization_id, event_type=event_type,
        porting_order_id=(params.get("order") or "").strip() or None,
        created_gte=_day(params.get("from")), created_lte=_day(params.get("to"), True))
    with db.reading() as session:
        page = event_store.list_events(session, filters,
                                       PageRequest(page_number(request), PAGE_SIZE))
    template = "partials/events.html" if request.headers.get("HX-Request") else "events.html"
    return render(request, template, user, page=page, event_types=EVENT_TYPES,
                  type=event_type or "", order=params.get("order", ""),
                  date_from=params.get("from", ""), date_to=params.get("to", ""))


def _event_context(db: Database, user: SignedIn, event_id: str) -> dict[str, Any]:
    with db.reading() as session:
        event = event_store.get_event(session, event_id, user.organization_id)
        if event is None:
            raise NotFound(f"Porting event {event_id} was not found.")
        deliveries = delivery_store.list_deliveries(
            session, DeliveryFilters(user.organization_id, event_id=event_id),
            PageRequest(1, 250)).items
        attempts = delivery_store.attempts_of(session, [d.id for d in deliveries])
    return {"event": event, "deliveries": [{"delivery": d, "attempts": attempts[d.id]}
                                           for d in deliveries]}


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(event_id: str, request: Request, user: SignedIn = Depends(signed_in),
               db: Database = Depends(get_db)) -> HTMLResponse:
    context = _event_context(db, user, event_id)
    if request.headers.get("HX-Request"):
        return render(request, "partials/event_deliveries.html", user, **context)
    return render(request, "event.html", user, **context)


@router.post("/events/{event_id}/republish")
def republish_event(event_id: str, request: Request, csrf_token: str = Form(""),
                    user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)
                    ) -> Response:
    check_csrf(user, csrf_token)
    try:
        with db.writing() as session:
            count = republish(session, user.organization_id, event_id, Narrowing(), utcnow())
    except PortinError as exc:
        return render(request, "event.html", user, status_code=exc.status_code,
                      error=exc.detail, **_event_context(db, user, event_id))
    message = (f"Republished to {count} destination(s)." if count
               else "Nothing is subscribed to this event now; nothing was sent.")
    return redirect_with_notice(request, f"/events/{event_id}", message)


@router.get("/deliveries", response_class=HTMLResponse)
def deliveries(request: Request, user: SignedIn = Depends(signed_in),
               db: Database = Depends(get_db)) -> HTMLResponse:
    return deliveries_page(request, user, db)


def deliveries_page(request: Request, user: SignedIn, db: Database, status_code: int = 200,
                    **context: Any) -> HTMLResponse:
    """The deliveries page; `context` for a form answered on it (the recover form's)."""
    status = request.query_params.get("status")
    status = status if status in ("delivered", "pending", "failed", "paused") else None
    since = utcnow() - timedelta(hours=24)
    live = bool(request.headers.get("HX-Request"))
    with db.reading() as session:
        page = delivery_store.list_deliveries(
            session, DeliveryFilters(user.organization_id, status=status),
            PageRequest(page_number(request), PAGE_SIZE))
        failing = delivery_store.failing_destinations(session, user.organization_id, since)
        destinations = [] if live else destinations_with_paused(session, user.organization_id)
    template = "partials/deliveries.html" if live else "deliveries.html"
    return render(request, template, user, status_code, page=page, status=status or "",
                  failing=failing, destinations=destinations,
                  disable_after=_duration(request.app.state.settings
                                          .endpoint_disable_after_seconds), **context)


def _duration(seconds: float) -> str:
    if seconds >= 86_400 and seconds % 86_400 == 0:
        days = int(seconds // 86_400)
        return f"{days} day{'s' if days != 1 else ''}"
    if seconds >= 3600:
        return f"{seconds / 3600:g} hours"
    return f"{seconds:g} seconds"


@router.get("/deliveries/{delivery_id}", response_class=HTMLResponse)
def delivery_page(delivery_id: str, request: Request, user: SignedIn = Depends(signed_in),
                  db: Database = Depends(get_db)) -> HTMLResponse:
    with db.reading() as session:
        delivery = delivery_store.get_delivery(session, delivery_id, user.organization_id)
        if delivery is None:
            raise NotFound(f"Delivery {delivery_id} was not found.")
        attempts = delivery_store.attempts_of(session, [delivery.id])[delivery.id]
    return render(request, "delivery.html", user, delivery=delivery, attempts=attempts)
