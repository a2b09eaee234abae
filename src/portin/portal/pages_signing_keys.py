"""The webhook keys page: the public key signing now, the one announced with its switch time,
and a Rotate form that asks first on a confirmation page (plain HTML, no JavaScript needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from portin.api.deps import get_db, get_settings
from portin.config import Settings
from portin.domain import signing_keys as rules
from portin.domain.errors import PortinError
from portin.domain.timefmt import iso, utcnow
from portin.portal.web import (
    check_csrf,
    confirmation_page,
    is_confirmed,
    redirect_with_notice,
    render,
    signed_in,
)
from portin.services import signing_keys
from portin.services.users import SignedIn
from portin.storage.db import Database

router = APIRouter(include_in_schema=False)
PATH = "/account/signing-keys"
WHEN = ("announce", "now")


def _page(request: Request, user: SignedIn, db: Database, settings: Settings,
          status_code: int = 200, error: str | None = None) -> HTMLResponse:
    with db.reading() as session:
        state = signing_keys.key_state(session, user.organization_id, utcnow())
    return render(request, "signing_keys.html", user, status_code=status_code, error=error,
                  state=state, announce_hours=settings.signing_key_announce_seconds / 3600,
                  min_notice=rules.MIN_NOTICE_SECONDS)


@router.get(PATH, response_class=HTMLResponse)
def keys_page(request: Request, user: SignedIn = Depends(signed_in),
              settings: Settings = Depends(get_settings),
              db: Database = Depends(get_db)) -> HTMLResponse:
    return _page(request, user, db, settings)


@router.post(PATH + "/rotate")
def rotate(request: Request, csrf_token: str = Form(""), confirmed: str = Form(""),
           when: str = Form("announce"), user: SignedIn = Depends(signed_in),
           settings: Settings = Depends(get_settings),
           db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    if when not in WHEN:
        return _page(request, user, db, settings, 422, "Choose when the new key takes over.")
    if not is_confirmed(confirmed):
        hours = "%g" % (settings.signing_key_announce_seconds / 3600)
        takes_over = (f"Sign webhooks with the new key in {rules.MIN_NOTICE_SECONDS} seconds:"
                      " webhooks your systems verify with the old key will then fail."
                      if when == "now" else
                      f"Sign webhooks with the new key in {hours} hours; until then the"
                      " current key signs them.")
        return confirmation_page(
            request, user, title="Make a new webhook key?", action=PATH + "/rotate",
            consequences=["Make a new Ed25519 key and announce it at GET /v2/public_key.",
                          takes_over],
            button="Make the new key", back=PATH, fields={"when": when})
    now = utcnow()
    try:
        switch_at = rules.switch_time(
            now, immediately=when == "now", switch_at=None, announce_seconds=None,
            default_announce_seconds=settings.signing_key_announce_seconds)
        with db.writing() as session:
            signing_keys.rotate(session, user.organization_id, now, switch_at)
    except PortinError as exc:
        return _page(request, user, db, settings, exc.status_code, exc.detail)
    return redirect_with_notice(request, PATH, f"A new key is announced: it signs webhooks"
                                               f" from {iso(switch_at)}.")
