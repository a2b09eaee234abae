"""Overview, the order list and one order's page with its actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from portin.api.deps import get_db, get_settings
from portin.config import Settings
from portin.domain.errors import InvalidRequest, PortinError
from portin.domain.lifecycle import Actor, OrderStatus, allowed_targets, can_delete
from portin.domain.number_paste import regions
from portin.domain.requirements import RequirementStatus
from portin.domain.timefmt import utcnow
from portin.outbox import log as delivery_store
from portin.outbox.log import DeliveryFilters
from portin.portal import order_fields
from portin.portal.pages_order_paperwork import paperwork_context
from portin.portal.web import (
    check_csrf,
    confirmation_page,
    is_confirmed,
    page_number,
    redirect_with_notice,
    render,
    signed_in,
)
from portin.services import orders as order_service
from portin.services import requirements as requirement_service
from portin.services.users import SignedIn
from portin.storage import events as event_store
from portin.storage import orders as order_store
from portin.storage.db import Database
from portin.storage.orders import OrderFilters
from portin.storage.paging import PageRequest

router = APIRouter(include_in_schema=False)
STATUSES = [str(s) for s in OrderStatus]
PAGE_SIZE = 25


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, user: SignedIn = Depends(signed_in),
             db: Database = Depends(get_db)) -> HTMLResponse:
    since = utcnow() - timedelta(hours=24)
    with db.reading() as session:
        by_status = order_store.count_by_status(session, user.organization_id)
        counts = delivery_store.counts_since(session, user.organization_id, since)
        failures = delivery_store.list_deliveries(
            session, DeliveryFilters(user.organization_id, status="failed"),
            PageRequest(1, 5)).items
    template = "partials/overview.html" if request.headers.get("HX-Request") else "overview.html"
    return render(request, template, user, by_status=by_status, statuses=STATUSES,
                  counts=counts, failures=failures,
                  # The delivery cards' lists: from the day the 24 hours began (UTC).
                  since_day=since.date().isoformat())


@router.get("/orders", response_class=HTMLResponse)
def orders(request: Request, user: SignedIn = Depends(signed_in),
           db: Database = Depends(get_db)) -> HTMLResponse:
    status = request.query_params.get("status") or None
    search = (request.query_params.get("q") or "").strip() or None
    filters = OrderFilters(organization_id=user.organization_id,
                           statuses=(status,) if status in STATUSES else (), search=search)
    with db.reading() as session:
        page = order_store.list_orders(session, filters, PageRequest(page_number(request),
                                                                      PAGE_SIZE))
        counts = order_store.count_numbers(session, [o.id for o in page.items])
    template = "partials/orders.html" if request.headers.get("HX-Request") else "orders.html"
    return render(request, template, user, page=page, counts=counts, statuses=STATUSES,
                  status=status, q=search or "")


def order_context(db: Database, user: SignedIn, order_id: str) -> dict[str, Any]:
    with db.reading() as session:
        order = order_service.require_order(session, order_id, user.organization_id)
        numbers = order_store.numbers_of(session, [order.id])[order.id]
        comments = order_store.list_comments(session, order.id, PageRequest(1, 100)).items
        timeline = _timeline(session, user.organization_id, order.id)
        paperwork = paperwork_context(session, order, numbers)
        current = OrderStatus(order.status)
        can_confirm = OrderStatus.IN_PROCESS in allowed_targets(current, Actor.USER)
        blockers = _submit_blockers(session, order, paperwork["requirements"]) \
            if can_confirm else []
        details = order_fields.current_values(order)
    return {"order": order, "numbers": numbers, "comments": comments, "timeline": timeline,
            "can_confirm": can_confirm, "submit_blockers": blockers,
            "can_cancel": OrderStatus.CANCEL_PENDING in allowed_targets(current, Actor.USER),
            "can_delete": can_delete(current), "details": details,
            "editable": order_fields.editable(current),
            "locked_reason": order_fields.locked_reason(current),
            "end_user_fields": order_fields.END_USER_FIELDS, "regions": regions(),
            **paperwork}


def _submit_blockers(session: Any, order: Any, requirements: Any) -> list[str]:
    """What keeps a draft from being submitted, one line each (the same rule confirm runs:
    the organization may ask for the requirements met first)."""
    if not requirement_service.settings_of(
            session, order.organization_id).confirm_requires_requirements_met:
        return []
    lines = []
    for item in requirements.items:
        if item.status == RequirementStatus.PENDING:
            lines.append(f"{item.type.name}: not given yet")
        elif item.status == RequirementStatus.EXCEPTION:
            reason = item.value.review_reason if item.value is not None else None
            lines.append(f"{item.type.name}: rejected by the porting desk"
                         + (f" ({reason})" if reason else "") + "; give it again")
    return lines


def _timeline(session: Any, organization_id: str, order_id: str) -> list[dict[str, Any]]:
    """The order's events, newest first, each with its deliveries and their attempts."""
    events = event_store.events_of_order(session, organization_id, order_id)
    deliveries = delivery_store.list_deliveries(
        session, DeliveryFilters(organization_id, porting_order_id=order_id),
        PageRequest(1, 250)).items
    attempts = delivery_store.attempts_of(session, [d.id for d in deliveries])
    by_event: dict[str, list[Any]] = {}
    for delivery in deliveries:
        by_event.setdefault(delivery.event_id, []).append(
            {"delivery": delivery, "attempts": attempts[delivery.id]})
    return [{"event": e, "deliveries": by_event.get(e.id, [])} for e in events]


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: str, request: Request, user: SignedIn = Depends(signed_in),
               db: Database = Depends(get_db)) -> HTMLResponse:
    context = order_context(db, user, order_id)
    if request.headers.get("HX-Request"):
        part = ("partials/order_status.html" if request.query_params.get("part") == "status"
                else "partials/timeline.html")
        return render(request, part, user, **context)
    return render(request, "order.html", user, **context)


def _order_action(request: Request, user: SignedIn, db: Database, order_id: str,
                  action: Any, done: str, field: str | None = None, **form: Any) -> Response:
    """Run one change; refused, the order page again with the refusal beside `field` (at
    the top of the page without one), what was typed kept."""
    try:
        with db.writing() as session:
            action(session)
    except PortinError as exc:
        context = order_context(db, user, order_id)
        shown: dict[str, Any] = ({"errors": {field: exc.detail}} if field is not None
                                 else {"error": exc.detail})
        return render(request, "order.html", user, status_code=exc.status_code,
                      form=form, **shown, **context)
    return redirect_with_notice(request, f"/orders/{order_id}", done)


@router.post("/orders/{order_id}/webhook")
def set_webhook(order_id: str, request: Request, webhook_url: str = Form(""),
                csrf_token: str = Form(""), confirmed: str = Form(""),
                user: SignedIn = Depends(signed_in), db: Database = Depends(get_db),
                settings: Settings = Depends(get_settings)) -> Response:
    check_csrf(user, csrf_token)
    url = webhook_url.strip() or None
    if url is None and not is_confirmed(confirmed):
        with db.reading() as session:
            saved = order_service.require_order(session, order_id,
                                                user.organization_id).webhook_url
        if saved:  # emptying the field removes a saved URL: ask first
            return confirmation_page(
                request, user, title="Remove this order's webhook URL?",
                action=f"/orders/{order_id}/webhook",
                consequences=[f"stop sending this order's events to {saved}",
                              "keep sending them to the destinations of your notification"
                              " settings"],
                button="Yes, remove the URL", back=f"/orders/{order_id}",
                fields={"webhook_url": ""})
    return _order_action(
        request, user, db, order_id,
        lambda s: order_service.update_order(s, user.organization_id, order_id,
                                             {"webhook_url": url}, utcnow(),
                                             settings.allow_private_webhooks),
        "Webhook URL saved." if url else "Webhook URL removed.", field="webhook_url",
        webhook_url=webhook_url)


@router.post("/orders/{order_id}/comments")
def add_comment(order_id: str, request: Request, body: str = Form(""),
                csrf_token: str = Form(""), user: SignedIn = Depends(signed_in),
                db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)

    def comment(session: Any) -> None:
        order = order_service.require_order(session, order_id, user.organization_id)
        order_service.add_comment(session, order, body, "user", user.user_id, utcnow())

    return _order_action(request, user, db, order_id, comment, "Comment added.", field="body",
                         body=body)


@router.post("/orders/{order_id}/confirm")
def confirm(order_id: str, request: Request, csrf_token: str = Form(""),
            user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)

    def submit(session: Any) -> None:
        try:
            order_service.confirm(session, user.organization_id, order_id, utcnow())
        except InvalidRequest as exc:
            if exc.pointer != "/requirements":
                raise
            # The API's words name its endpoints; the page lists what is missing instead.
            raise InvalidRequest("your organization submits only orders whose requirements"
                                 " are met. Still missing:", pointer=exc.pointer) from exc

    return _order_action(request, user, db, order_id, submit, "Order submitted.",
                         field="submit")


@router.post("/orders/{order_id}/cancel")
def cancel(order_id: str, request: Request, csrf_token: str = Form(""),
           confirmed: str = Form(""), user: SignedIn = Depends(signed_in),
           db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    if not is_confirmed(confirmed):
        return confirmation_page(
            request, user, title="Cancel this order?", action=f"/orders/{order_id}/cancel",
            consequences=["ask the porting desk to stop the port of every number on it",
                          "leave the numbers with their current carrier",
                          "not be undone: a cancelled order cannot be resumed; a new order"
                          " is needed to port these numbers later"],
            button="Yes, cancel the order", back=f"/orders/{order_id}")
    return _order_action(
        request, user, db, order_id,
        lambda s: order_service.cancel(s, user.organization_id, order_id, utcnow()),
        "Cancellation requested.")


@router.post("/orders/{order_id}/delete")
def delete(order_id: str, request: Request, csrf_token: str = Form(""),
           confirmed: str = Form(""), user: SignedIn = Depends(signed_in),
           db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    if not is_confirmed(confirmed):
        with db.reading() as session:
            order = order_service.require_order(session, order_id, user.organization_id)
            count = len(order_store.numbers_of(session, [order.id])[order.id])
            name = order.customer_reference or order.id
        return confirmation_page(
            request, user, title=f"Delete the draft order {name}?",
            action=f"/orders/{order_id}/delete",
            consequences=[f"remove the draft and its {count} phone number"
                          f"{'' if count == 1 else 's'} from your orders",
                          "keep its documents among your documents, no longer used by it",
                          "send a porting_order.deleted event to your notification"
                          " destinations (the event history keeps the order)",
                          "not be undone: to port these numbers, create a new order"],
            button="Yes, delete the draft", back=f"/orders/{order_id}")

    def remove(session: Any) -> None:
        order = order_service.require_order(session, order_id, user.organization_id)
        order_service.delete_draft(session, order, utcnow())

    response = _order_action(request, user, db, order_id, remove, "")
    if response.status_code == 303:
        return redirect_with_notice(request, "/orders", "Draft deleted.")
    return response
