"""What every portal page shares: templates, the signed-in user, CSRF, redirects, flashes."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from portin.api.deps import get_db
from portin.domain.timefmt import iso, utcnow
from portin.services.users import SignedIn, session_of
from portin.storage.db import Database

HERE = Path(__file__).parent
SESSION_COOKIE = "portin_session"
LOGIN_CSRF_COOKIE = "portin_login_csrf"

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["iso"] = iso


def _short_time(value: Any) -> str:
    text = iso(value) if value is not None and not isinstance(value, str) else value
    if not text:
        return "—"
    return str(text).replace("T", " ")[:19] + " UTC"


templates.env.filters["when"] = _short_time


class NeedsSignIn(Exception):
    """The page needs a signed-in user; the handler answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form arrived without the session's CSRF token."""


def signed_in(request: Request, db: Database = Depends(get_db)) -> SignedIn:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with db.reading() as session:
            user = session_of(session, token, utcnow())
        if user is not None:
            return user
    raise NeedsSignIn(request.url.path + (f"?{request.url.query}" if request.url.query else ""))


def page_number(request: Request) -> int:
    """The `page` query value of a portal list; anything unreadable is page 1."""
    raw = request.query_params.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def check_csrf(user: SignedIn, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(submitted, user.csrf_token):
        raise CsrfRefused()


def render(request: Request, template: str, user: SignedIn | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, {"user": user, "flash": request.query_params.get("flash"),
                            **context}, status_code=status_code)


def redirect(path: str, flash: str | None = None) -> RedirectResponse:
    if flash:
        path += ("&" if "?" in path else "?") + "flash=" + quote(flash)
    return RedirectResponse(path, status_code=303)


def secure_cookies(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded == "https"


def login_csrf_token(request: Request) -> str:
    """The sign-in form's token: the browser's current one, or a new one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax",
                        secure=secure_cookies(request), max_age=3600)
