"""The deliveries page's destinations: each one's health, and enabling or disabling it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from portin.api.deps import get_db
from portin.domain.timefmt import utcnow
from portin.portal.web import check_csrf, redirect_with_notice, signed_in
from portin.services import destinations as service
from portin.services.users import SignedIn
from portin.storage import destinations as store
from portin.storage.db import Database
from portin.storage.destinations import DestinationFilters
from portin.storage.models import DeliveryDestination
from portin.storage.paging import PageRequest

router = APIRouter(include_in_schema=False)
SHOWN = 100


def destinations_with_paused(session: Session, organization_id: str
                             ) -> list[tuple[DeliveryDestination, int]]:
    """The organization's destinations (the first 100) with their paused deliveries; the
    deliveries page shows them above the log."""
    rows = store.list_destinations(session, DestinationFilters(organization_id),
                                   PageRequest(1, SHOWN)).items
    paused = store.paused_counts(session, organization_id, rows)
    return [(row, paused[row.id]) for row in rows]


@router.post("/deliveries/destinations/{destination_id}/disable")
def disable(destination_id: str, request: Request, csrf_token: str = Form(""),
            user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    with db.writing() as session:
        changed = service.disable(session, user.organization_id, destination_id, utcnow())
    return redirect_with_notice(
        request, "/deliveries",
        f"Disabled {changed.destination.destination}: its notifications are kept, paused,"
        " until you enable it.")


@router.post("/deliveries/destinations/{destination_id}/enable")
def enable(destination_id: str, request: Request, csrf_token: str = Form(""),
           user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    with db.writing() as session:
        changed = service.enable(session, user.organization_id, destination_id, utcnow())
    resumed = (f" {changed.deliveries} paused notification(s) are on their way, oldest first."
               if changed.deliveries else "")
    return redirect_with_notice(request, "/deliveries",
                                f"Enabled {changed.destination.destination}.{resumed}")
