"""Events and deliveries: lists with the API's filters, one event (with Republish), one
delivery with its attempts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from portin.api.deps import get_db
from portin.delivery.webhook import envelope
from portin.domain import notification_catalog as catalog
from portin.domain.errors import NotFound, PortinError
from portin.domain.events import EventType
from portin.domain.failure_explanations import explain
from portin.domain.timefmt import iso, utcnow
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
from portin.services import delivery_actions
from portin.services.delivery_actions import Action
from portin.services.republish import republish
from portin.services.users import SignedIn
from portin.storage import events as event_store
from portin.storage import notifications as subscriptions
from portin.storage import orders as order_store
from portin.storage.db import Database, compact_json
from portin.storage.events import EventFilters
from portin.storage.models import Delivery, DeliveryAttempt, PortingEvent, PortingOrder
from portin.storage.paging import PageRequest

router = APIRouter(include_in_schema=False)
EVENT_TYPES = [str(t) for t in EventType]
PAGE_SIZE = 25


def _day(value: str | None, end_of_day: bool = False) -> datetime | None:
    """A date from a date input (YYYY-MM-DD), as the start or end of that UTC day; raises
    ValueError for anything else."""
    if not value:
        return None
    day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    return day + timedelta(days=1, microseconds=-1) if end_of_day else day


class _Filters:
    """A list's GET filters read once: their values, the field errors, and the query string
    that keeps them (pager links, the htmx polling URL)."""

    def __init__(self, request: Request, names: tuple[str, ...]) -> None:
        params = request.query_params
        self.values = {name: (params.get(name) or "").strip() for name in names}
        self.errors: dict[str, str] = {}
        self.query = urlencode({k: v for k, v in self.values.items() if v})

    def day(self, name: str, end_of_day: bool = False) -> datetime | None:
        try:
            return _day(self.values[name], end_of_day)
        except ValueError:
            self.errors[name] = "Give a date as YYYY-MM-DD, for example 2026-03-31."
            return None

    def choice(self, name: str, allowed: list[str], what: str) -> str | None:
        value = self.values[name]
        if value and value not in allowed:
            self.errors[name] = f"Choose {what} from the list."
            return None
        return value or None

    def text(self, name: str) -> str | None:
        return self.values[name] or None

    def range_checked(self, low: datetime | None, high: datetime | None) -> None:
        if low is not None and high is not None and high < low:
            self.errors["to"] = "The end date must not be before the start date."

    @property
    def any(self) -> bool:
        return any(self.values.values())

    @property
    def status_code(self) -> int:
        return 422 if self.errors else 200


def _summary(event: Any) -> str:
    """What the change was, in a few words: the new status, or the comment's first words."""
    payload = event.payload or {}
    if event.event_type == EventType.STATUS_CHANGED:
        return str((payload.get("status") or {}).get("value") or "")
    if event.event_type == EventType.NEW_COMMENT:
        words = str((payload.get("comment") or {}).get("body") or "").split()
        return " ".join(words[:8]) + (" …" if len(words) > 8 else "")
    return ""


@router.get("/events", response_class=HTMLResponse)
def events(request: Request, user: SignedIn = Depends(signed_in),
           db: Database = Depends(get_db)) -> HTMLResponse:
    form = _Filters(request, ("type", "order", "from", "to"))
    event_type = form.choice("type", EVENT_TYPES, "an event type")
    low, high = form.day("from"), form.day("to", True)
    form.range_checked(low, high)
    filters = EventFilters(organization_id=user.organization_id, event_type=event_type,
                           order_or_reference=form.text("order"), created_gte=low,
                           created_lte=high)
    with db.reading() as session:
        page = event_store.list_events(session, filters,
                                       PageRequest(page_number(request), PAGE_SIZE))
        references = order_store.customer_references(
            session, [e.porting_order_id for e in page.items])
    rows = [{"event": e, "reference": references.get(e.porting_order_id),
             "summary": _summary(e)} for e in page.items]
    template = "partials/events.html" if request.headers.get("HX-Request") else "events.html"
    return render(request, template, user, form.status_code, page=page, rows=rows,
                  event_types=EVENT_TYPES, values=form.values, errors=form.errors,
                  query=form.query, filtered=form.any)


def _event_context(db: Database, user: SignedIn, event_id: str) -> dict[str, Any]:
    with db.reading() as session:
        event = event_store.get_event(session, event_id, user.organization_id)
        if event is None:
            raise NotFound(f"Porting event {event_id} was not found.")
        deliveries = delivery_store.list_deliveries(
            session, DeliveryFilters(user.organization_id, event_id=event_id),
            PageRequest(1, 250)).items
        attempts = delivery_store.attempts_of(session, [d.id for d in deliveries])
        choices = _republish_choices(session, user.organization_id, event)
    return {"event": event, "republish_choices": choices,
            "deliveries": [{"delivery": d, "attempts": attempts[d.id]} for d in deliveries]}


WEBHOOK_URL_CHOICE = "webhook_url"


def _republish_choices(session: Any, organization_id: str, event: PortingEvent
                       ) -> list[tuple[str, str]]:
    """The one destinations a republish can be narrowed to: each channel subscribed to the
    event now, and the order's webhook_url; as (form value, label)."""
    found = [(f"channel:{c.channel_id}", f"{c.channel_type_id} → {c.destination}")
             for c in subscriptions.subscribed_channels(
                 session, organization_id, catalog.conditions_covering(event.event_type))]
    order = session.get(PortingOrder, event.porting_order_id)
    if order is not None and order.webhook_url:
        found.append((WEBHOOK_URL_CHOICE, f"the order's webhook_url → {order.webhook_url}"))
    return found


def _narrowing(target: str) -> Narrowing:
    if target == WEBHOOK_URL_CHOICE:
        return Narrowing(webhook_url_only=True)
    if target.startswith("channel:"):
        return Narrowing(notification_channel_id=target.removeprefix("channel:"))
    return Narrowing()


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(event_id: str, request: Request, user: SignedIn = Depends(signed_in),
               db: Database = Depends(get_db)) -> HTMLResponse:
    context = _event_context(db, user, event_id)
    if request.headers.get("HX-Request"):
        return render(request, "partials/event_deliveries.html", user, **context)
    return render(request, "event.html", user, **context)


@router.post("/events/{event_id}/republish")
def republish_event(event_id: str, request: Request, csrf_token: str = Form(""),
                    target: str = Form(""), user: SignedIn = Depends(signed_in),
                    db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    try:
        with db.writing() as session:
            count = republish(session, user.organization_id, event_id, _narrowing(target),
                              utcnow())
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
    form = _Filters(request, ("status", "destination", "type", "order", "from", "to"))
    status = form.choice("status", list(DELIVERY_STATUSES), "a status")
    event_type = form.choice("type", EVENT_TYPES, "an event type")
    low, high = form.day("from"), form.day("to", True)
    form.range_checked(low, high)
    since = utcnow() - timedelta(hours=24)
    live = bool(request.headers.get("HX-Request"))
    filters = DeliveryFilters(
        user.organization_id, status=status,
        event_types=(event_type,) if event_type else (),
        destination=form.text("destination"), order_or_reference=form.text("order"),
        created_gte=low, created_lte=high)
    with db.reading() as session:
        page = delivery_store.list_deliveries(session, filters,
                                              PageRequest(page_number(request), PAGE_SIZE))
        failing = delivery_store.failing_destinations(session, user.organization_id, since)
        destinations = [] if live else destinations_with_paused(session, user.organization_id)
        used = [] if live else delivery_store.destinations_used(session, user.organization_id)
    template = "partials/deliveries.html" if live else "deliveries.html"
    return render(request, template, user, max(status_code, form.status_code), page=page,
                  status=status or "", values=form.values, errors=form.errors,
                  query=form.query, filtered=form.any, event_types=EVENT_TYPES,
                  destinations_used=used, failing=failing, destinations=destinations,
                  disable_after=_duration(request.app.state.settings
                                          .endpoint_disable_after_seconds), **context)


DELIVERY_STATUSES = {"delivered": "delivered", "pending": "retrying", "failed": "failed",
                     "paused": "paused"}


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
    return _delivery_view(delivery_id, request, user, db)


def _delivery_view(delivery_id: str, request: Request, user: SignedIn, db: Database,
                   status_code: int = 200, error: str | None = None) -> HTMLResponse:
    with db.reading() as session:
        delivery = delivery_store.get_delivery(session, delivery_id, user.organization_id)
        if delivery is None:
            raise NotFound(f"Delivery {delivery_id} was not found.")
        attempts = delivery_store.attempts_of(session, [delivery.id])[delivery.id]
        event = event_store.get_event(session, delivery.event_id, user.organization_id)
    shown = [{"attempt": a, "body": _body_sent(delivery, event, a),
              "why": _why(delivery, a)} for a in attempts]
    return render(request, "delivery.html", user, status_code, delivery=delivery,
                  attempts=shown, error=error,
                  action=delivery_actions.action_for(delivery.status, delivery.recovered_by))


def _body_sent(delivery: Delivery, event: PortingEvent | None, attempt: DeliveryAttempt
               ) -> Any:
    """The webhook body of this attempt, decoded for pretty-printing. Bodies are not stored
    per attempt: this is the body built again exactly as the worker built it (the event is
    immutable; only meta.attempt differs between attempts)."""
    if delivery.method != "webhook" or event is None:
        return None
    body = envelope(event.id, event.event_type, iso(event.created_at) or "",
                    compact_json(event.payload), attempt.attempt, delivery.destination,
                    event.sequence)
    return json.loads(body)


def _why(delivery: Delivery, attempt: DeliveryAttempt) -> str | None:
    if attempt.status != "failed":
        return None
    response = (attempt.http or {}).get("response") or {}
    status = response.get("status")
    return explain(int(status) if status is not None else None, delivery.method)


@router.post("/deliveries/{delivery_id}/{action}")
def act_on_delivery(delivery_id: str, action: str, request: Request,
                    csrf_token: str = Form(""), user: SignedIn = Depends(signed_in),
                    db: Database = Depends(get_db)) -> Response:
    """Retry now (pending, failed) or Resend (delivered): not destructive, so not asked."""
    check_csrf(user, csrf_token)
    try:
        chosen = Action(action.replace("-", "_"))
    except ValueError:
        raise NotFound(f"There is no {action} action for deliveries.") from None
    try:
        with db.writing() as session:
            done = delivery_actions.act(session, user.organization_id, delivery_id, chosen,
                                        utcnow())
    except PortinError as exc:
        if exc.status_code == 404:
            raise
        return _delivery_view(delivery_id, request, user, db, exc.status_code, exc.detail)
    if done.delivery_id == delivery_id:
        return redirect_with_notice(request, f"/deliveries/{delivery_id}",
                                    "Retrying now: the next attempt is due at once.")
    message = ("Resent: a new delivery of the same event to the same destination is on its"
               " way." if chosen == Action.RESEND else
               "Retrying: a new delivery, with a full round of attempts, is on its way.")
    return redirect_with_notice(request, f"/deliveries/{done.delivery_id}", message)
