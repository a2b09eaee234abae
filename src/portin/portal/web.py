"""What every portal page shares: templates, the signed-in user, CSRF, redirects, notices."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from portin.api.deps import get_db
from portin.api.query import MAX_PAGE_NUMBER
from portin.domain.timefmt import iso, utcnow
from portin.services.users import SignedIn, session_of
from portin.storage.db import Database

HERE = Path(__file__).parent
SESSION_COOKIE = "portin_session"
LOGIN_CSRF_COOKIE = "portin_login_csrf"
NOTICE_COOKIE = "portin_notice"
NOTICE_LIFETIME_SECONDS = 60

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
    """The `page` query value of a portal list; anything unreadable is page 1, and no page
    is past the API's last (an offset the database cannot hold)."""
    raw = request.query_params.get("page", "1")
    if not (raw.isascii() and raw.isdigit()):  # isdigit() alone takes "²"
        return 1
    return min(max(1, int(raw)), MAX_PAGE_NUMBER)


def same_secret(submitted: str, expected: str) -> bool:
    """A constant-time comparison of two secrets as sent; compare_digest refuses str that
    is not ASCII (with TypeError), so both are compared as UTF-8 bytes."""
    return hmac.compare_digest(submitted.encode(), expected.encode())


def check_csrf(user: SignedIn, submitted: str | None) -> None:
    if not submitted or not same_secret(submitted, user.csrf_token):
        raise CsrfRefused()


def render(request: Request, template: str, user: SignedIn | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    # htmx's live updates never show (nor use up) the notice: only the page it was set for.
    full_page = not request.headers.get("HX-Request")
    notice = _notice_of(request) if full_page else None
    response = templates.TemplateResponse(
        request, template, {"user": user, "notice": notice, **context},
        status_code=status_code)
    if full_page and NOTICE_COOKIE in request.cookies:
        response.delete_cookie(NOTICE_COOKIE)
    return response


CONFIRMED = "yes"  # the value of the `confirmed` field a confirmation page sends


def is_confirmed(confirmed: str) -> bool:
    """Whether a destructive form came from its confirmation page (`confirmed=yes`)."""
    return confirmed == CONFIRMED


def confirmation_page(request: Request, user: SignedIn, *, title: str, action: str,
                      consequences: list[str], button: str, back: str,
                      fields: dict[str, str] | None = None) -> HTMLResponse:
    """The page a destructive form answers when it arrives unconfirmed: what will happen,
    and a form that posts the same fields to the same `action` with `confirmed=yes`.
    Nothing changes until then, with or without JavaScript."""
    return render(request, "confirm.html", user, title=title, action=action,
                  consequences=consequences, button=button, back=back,
                  fields=fields or {}, confirmed_value=CONFIRMED)


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def redirect_with_notice(request: Request, path: str, notice: str) -> RedirectResponse:
    """A redirect after a change, whose page shows `notice` once. The text travels in a
    short-lived cookie signed with the session, never in the URL: nobody can make a link
    that shows a success message of their own."""
    response = redirect(path)
    session_token = request.cookies.get(SESSION_COOKIE)
    if notice and session_token:
        encoded = base64.urlsafe_b64encode(notice.encode()).decode()
        response.set_cookie(NOTICE_COOKIE, f"{encoded}.{_notice_signature(session_token, notice)}",
                            max_age=NOTICE_LIFETIME_SECONDS, httponly=True, samesite="lax",
                            secure=secure_cookies(request))
    return response


def _notice_signature(session_token: str, notice: str) -> str:
    return hmac.new(session_token.encode(), b"notice|" + notice.encode(),
                    hashlib.sha256).hexdigest()


def _notice_of(request: Request) -> str | None:
    """The notice cookie's text, if this session signed it; anything else shows nothing."""
    value = request.cookies.get(NOTICE_COOKIE, "")
    session_token = request.cookies.get(SESSION_COOKIE)
    encoded, _, signature = value.rpartition(".")
    if not encoded or not session_token:
        return None
    try:
        notice = base64.urlsafe_b64decode(encoded.encode()).decode()
    except ValueError:  # not base64, or not UTF-8 (UnicodeDecodeError is a ValueError)
        return None
    if not same_secret(signature, _notice_signature(session_token, notice)):
        return None
    return notice


def secure_cookies(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded == "https"


def login_csrf_token(request: Request) -> str:
    """The sign-in form's token: the browser's current one, or a new one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax",
                        secure=secure_cookies(request), max_age=3600)
