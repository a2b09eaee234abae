"""The API keys page: issue another key (shown once) and revoke one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from portin.api.deps import get_db
from portin.domain.errors import PortinError
from portin.portal.web import check_csrf, redirect_with_notice, render, signed_in
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
           confirm: str = Form(""), user: SignedIn = Depends(signed_in),
           db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    if confirm != "yes":
        return _page(request, user, db, 422, "Tick the box to confirm the revocation.")
    try:
        with db.writing() as session:
            key = accounts.revoke_key(session, key_id, organization_id=user.organization_id)
            prefix = key.prefix
    except PortinError as exc:
        return _page(request, user, db, exc.status_code, exc.detail)
    return redirect_with_notice(request, PATH, f"Key {prefix}… is revoked; it no longer works.")
