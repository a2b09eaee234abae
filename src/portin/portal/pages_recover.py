"""The deliveries page's "Recover failed deliveries" form: a plain POST, its result shown as a
notice ("12 failed deliveries queued again.") or, refused, beside the form."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from portin.api.deps import get_db
from portin.domain.errors import InvalidRequest, PortinError
from portin.domain.timefmt import utcnow
from portin.portal.pages_activity import deliveries_page
from portin.portal.web import check_csrf, redirect_with_notice, signed_in
from portin.services import recovery
from portin.services.users import SignedIn
from portin.storage.db import Database
from portin.storage.recovery import FailedScope

router = APIRouter(include_in_schema=False)


def _moment(value: str, label: str) -> datetime:
    """A datetime-local input (YYYY-MM-DDTHH:MM[:SS]) read as UTC, as the portal shows."""
    if not value.strip():
        raise InvalidRequest(f"Give the {label} of the range.")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRequest(f"The {label} of the range is not a date and time.") from None
    if moment.tzinfo is not None:
        raise InvalidRequest(f"The {label} of the range is read as UTC; give no time zone.")
    return moment.replace(tzinfo=UTC)


def _result(result: recovery.Recovery) -> str:
    if not result.recovered:
        return "No failed deliveries in that range to recover; nothing was sent."
    noun = "delivery" if result.recovered == 1 else "deliveries"
    message = f"{result.recovered} failed {noun} queued again."
    if result.remaining:
        message += f" {result.remaining} more are left: recover the same range again."
    return message


@router.post("/deliveries/recover")
def recover_deliveries(request: Request, csrf_token: str = Form(""), since: str = Form(""),
                       until: str = Form(""), destination: str = Form(""),
                       user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)
                       ) -> Response:
    check_csrf(user, csrf_token)
    form = {"since": since, "until": until, "destination": destination}
    try:
        scope = FailedScope(user.organization_id, _moment(since, "start"),
                            _moment(until, "end"), destination.strip() or None)
        with db.writing() as session:
            result = recovery.recover(session, scope, utcnow())
    except PortinError as exc:
        return deliveries_page(request, user, db, exc.status_code, error=exc.detail,
                               recover_form=form)
    return redirect_with_notice(request, "/deliveries", _result(result))
