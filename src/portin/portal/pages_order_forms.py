"""The portal's order forms: a new order from pasted numbers (with a live count of what was
found), and an order's details (references, end user, requested FOC date) where its status
lets them change. Both go through the services the API's POST and PATCH use, so an order
made or edited here is the same as one made or edited there (and writes the same events)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from portin.api.deps import get_db, get_settings
from portin.config import Settings
from portin.domain.errors import NotFound, PortinError
from portin.domain.number_paste import (
    DEFAULT_REGION,
    MAX_NUMBERS,
    PastedNumbers,
    parse_pasted_numbers,
    regions,
)
from portin.domain.timefmt import utcnow
from portin.portal import order_fields
from portin.portal.pages_orders import order_context
from portin.portal.web import check_csrf, redirect_with_notice, render, signed_in
from portin.services import orders as order_service
from portin.services.users import SignedIn
from portin.storage.db import Database

router = APIRouter(include_in_schema=False)


async def _form_values(request: Request) -> dict[str, str]:
    """The posted form's text fields (a file field, which these forms have not, is left out)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


def _new_order_page(request: Request, user: SignedIn, values: dict[str, str],
                    paste: PastedNumbers | None = None, errors: dict[str, str] | None = None,
                    status_code: int = 200) -> HTMLResponse:
    return render(request, "order_new.html", user, status_code=status_code, form=values,
                  paste=paste, errors=errors or {}, regions=regions(),
                  end_user_fields=order_fields.END_USER_FIELDS,
                  region=values.get("default_region") or DEFAULT_REGION)


@router.get("/orders/new", response_class=HTMLResponse)
def new_order(request: Request, user: SignedIn = Depends(signed_in)) -> HTMLResponse:
    return _new_order_page(request, user, {})


def _paste_of(values: dict[str, str]) -> PastedNumbers:
    return parse_pasted_numbers(values.get("phone_numbers", ""),
                                values.get("default_region") or DEFAULT_REGION)


@router.post("/orders/new/preview", response_class=HTMLResponse)
async def preview(request: Request, user: SignedIn = Depends(signed_in)) -> HTMLResponse:
    """What the pasted text holds, as the form shows it while the user types (htmx)."""
    values = await _form_values(request)
    check_csrf(user, values.get("csrf_token"))
    paste = await run_in_threadpool(_paste_of, values)
    return render(request, "partials/number_paste.html", user, paste=paste)


@router.post("/orders/new")
async def create(request: Request, user: SignedIn = Depends(signed_in),
                 db: Database = Depends(get_db)) -> Response:
    values = await _form_values(request)
    check_csrf(user, values.get("csrf_token"))
    return await run_in_threadpool(_create, request, user, db, values)


def _create(request: Request, user: SignedIn, db: Database, values: dict[str, str]
            ) -> Response:
    paste = _paste_of(values)
    if values.get("intent") == "check":  # "Check numbers" without JavaScript
        return _new_order_page(request, user, values, paste)
    errors = order_fields.references_refused(values)
    if paste.problems:
        lines = len({p.line for p in paste.problems})
        errors["phone_numbers"] = (f"{lines} line{'s' if lines > 1 else ''} below"
                                   f" {'are' if lines > 1 else 'is'} not understood; fix or"
                                   " remove them, then create the order again.")
        if paste.stopped_at_line is not None:
            errors["phone_numbers"] += (f" Reading stopped at line {paste.stopped_at_line}:"
                                        " too much of the text is not phone numbers.")
    elif not paste.numbers:
        errors["phone_numbers"] = "Paste at least one phone number to port."
    elif paste.too_many:
        errors["phone_numbers"] = (f"An order holds at most {MAX_NUMBERS} numbers; split"
                                   " them over several orders.")
    end_user, refused = order_fields.end_user_from(values)
    errors.update(refused)
    if errors:
        return _new_order_page(request, user, values, paste, errors, status_code=422)
    now = utcnow()
    try:
        with db.writing() as session:
            order = order_service.create_order(
                session, user.organization_id, list(paste.numbers),
                values.get("customer_reference", "").strip() or None,
                values.get("customer_group_reference", "").strip() or None, now)
            if end_user:  # the API's create takes no end user: its PATCH, at once
                order_service.update_order(session, user.organization_id, order.id,
                                           {"end_user": end_user}, now)
            order_id = order.id
    except PortinError as exc:
        field = order_fields.field_of(exc) or "phone_numbers"
        return _new_order_page(request, user, values, paste,
                               {field: order_fields.said(exc, field)},
                               status_code=exc.status_code)
    count = len(paste.numbers)
    return redirect_with_notice(
        request, f"/orders/{order_id}",
        f"Draft order created with {count} number{'s' if count > 1 else ''}."
        " Fill in its details, then submit it.")


@router.post("/orders/{order_id}/details")
async def edit_details(order_id: str, request: Request, user: SignedIn = Depends(signed_in),
                       db: Database = Depends(get_db),
                       settings: Settings = Depends(get_settings)) -> Response:
    values = await _form_values(request)
    check_csrf(user, values.get("csrf_token"))
    return await run_in_threadpool(_edit, request, user, db, settings, order_id, values)


class _Refused(Exception):
    """The details form had fields to fix: nothing is written."""

    def __init__(self, errors: dict[str, str], status_code: int = 422) -> None:
        super().__init__(errors)
        self.errors = errors
        self.status_code = status_code


def _edit(request: Request, user: SignedIn, db: Database, settings: Settings, order_id: str,
          values: dict[str, str]) -> Response:
    try:
        with db.writing() as session:
            order = order_service.require_order(session, order_id, user.organization_id)
            changes, errors = order_fields.details_changes(order, values)
            if errors:
                raise _Refused(errors)
            if changes:
                try:
                    order_service.update_order(session, user.organization_id, order_id,
                                               changes, utcnow(),
                                               settings.allow_private_webhooks)
                except PortinError as exc:
                    if isinstance(exc, NotFound):
                        raise
                    field = order_fields.field_of(exc)
                    if field is None:
                        raise
                    raise _Refused({field: order_fields.said(exc, field)},
                                   exc.status_code) from exc
    except _Refused as refused:
        return _details_page(request, user, db, order_id, values, refused.status_code,
                             errors=refused.errors)
    except PortinError as exc:
        if isinstance(exc, NotFound):
            raise
        return _details_page(request, user, db, order_id, values, exc.status_code,
                             error=exc.detail)
    done = "Order details saved." if changes else "Nothing changed: the details were as saved."
    return redirect_with_notice(request, f"/orders/{order_id}#details-h", done)


def _details_page(request: Request, user: SignedIn, db: Database, order_id: str,
                  values: dict[str, str], status_code: int, **shown: Any) -> Response:
    """The order page again, its details form holding what was typed."""
    context: dict[str, Any] = order_context(db, user, order_id)
    typed = {name: values[name] for name in order_fields.PATCH_FIELD if name in values}
    context["details"] = {**context["details"], **typed}
    return render(request, "order.html", user, status_code=status_code, **shown, **context)
