"""The API keys page: issue another key (shown once) and revoke one (after a confirmation
page: clients using the key stop working at once)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from portin.api.deps import get_db
from portin.domain.errors import PortinError
from portin.portal.web import (
    check_csrf,
    confirmation_page,
    is_confirmed,
    redirect_with_notice,
    render,
    signed_in,
)
from portin.services import accounts
from portin.services.accounts import IssuedKey
from portin.services.users import SignedIn
from portin.storage.db import Database

router = APIRouter(include_in_schema=False)
PATH = "/account/api-keys"


def _page(request: Request, user: SignedIn, db: Database, status_code: int = 200,
          error: str | None = None, issued: IssuedKey | None = None) -> HTMLResponse:
    with db.reading() as session:
        keys = accounts.list_user_keys(session, user.organization_id)
    return render(request, "api_keys.html", user, status_code=status_code, error=error,
                  keys=keys, issued=issued)


@router.get(PATH, response_class=HTMLResponse)
def api_keys(request: Request, user: SignedIn = Depends(signed_in),
             db: Database = Depends(get_db)) -> HTMLResponse:
    return _page(request, user, db)


@router.post(PATH, response_class=HTMLResponse)
def issue(request: Request, csrf_token: str = Form(""), user: SignedIn = Depends(signed_in),
          db: Database = Depends(get_db)) -> HTMLResponse:
    check_csrf(user, csrf_token)
    with db.writing() as session:
        issued = accounts.issue_user_key(session, user.organization_id)
    # Shown in this answer only: never in a redirect's URL, never stored.
    page = _page(request, user, db, issued=issued)
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post(PATH + "/{key_id}/revoke")
def revoke(request: Request, key_id: str, csrf_token: str = Form(""),
           confirmed: str = Form(""), user: SignedIn = Depends(signed_in),
           db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    if not is_confirmed(confirmed):
        with db.reading() as session:
            key = next((k for k in accounts.list_user_keys(session, user.organization_id)
                        if k.id == key_id and k.revoked_at is None), None)
        if key is None:
            return _page(request, user, db, 404, "That key is not one of your organization's"
                                                 " active keys; it may be revoked already.")
        return confirmation_page(
            request, user, title=f"Revoke API key {key.prefix}…?",
            action=f"{PATH}/{key_id}/revoke",
            consequences=[f"Revoke the key {key.prefix}…: every client using it stops working"
                          " at once (its requests are refused with 401).",
                          "Keep your other keys working; a revoked key cannot be restored."],
            button="Revoke the key", back=PATH)
    try:
        with db.writing() as session:
            revoked = accounts.revoke_key(session, key_id, organization_id=user.organization_id)
            prefix = revoked.prefix
    except PortinError as exc:
        return _page(request, user, db, exc.status_code, exc.detail)
    return redirect_with_notice(request, PATH, f"Key {prefix}… is revoked; it no longer works.")
