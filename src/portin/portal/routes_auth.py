"""Sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portin.api.deps import get_db
from portin.api.rate_limit import client_address, limits_of
from portin.domain.errors import PortinError, RateLimited
from portin.domain.timefmt import utcnow
from portin.portal.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    login_csrf_token,
    render,
    same_secret,
    secure_cookies,
    set_login_csrf,
    signed_in,
)
from portin.services.users import SESSION_LIFETIME, SignedIn, sign_in, sign_out
from portin.storage.db import Database

router = APIRouter(include_in_schema=False)
_MOST_DECODINGS = 3  # a `next` still encoded after this many decodings is refused


def safe_next_path(candidate: str | None) -> str:
    """Where to go after signing in: `candidate` if it is a path on this site, else "/".
    Never an open redirect: see `_is_site_path`."""
    if candidate and _is_site_path(candidate):
        return candidate
    return "/"


def _is_site_path(candidate: str) -> bool:
    """A path that starts with one "/" (so it has no scheme and no host), with no backslash
    (browsers read "\\" as "/") and no control or blank characters; the same holds once
    percent-decoded (each layer), so "/%2F%2Fevil.example" is refused too."""
    forms = [candidate]
    while (decoded := unquote(forms[-1])) != forms[-1]:
        if len(forms) > _MOST_DECODINGS:
            return False
        forms.append(decoded)
    return all(_is_plain_path(form) for form in forms)


def _is_plain_path(path: str) -> bool:
    return (path.startswith("/") and not path.startswith("//") and "\\" not in path
            and all(ch.isprintable() and not ch.isspace() for ch in path))


def _login_page(request: Request, status_code: int = 200, error: str | None = None,
                email: str | None = None, next_path: str = "/") -> HTMLResponse:
    # The cookie and the form carry the same token (double submit).
    token = login_csrf_token(request)
    page = render(request, "login.html", None, status_code=status_code, error=error,
                  email=email, next_path=next_path, login_csrf=token)
    set_login_csrf(request, page, token)
    return page


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_path=safe_next_path(next))


@router.post("/login")
def login(request: Request, email: str = Form(""), password: str = Form(""),
          csrf_token: str = Form(""), next: str = Form("/"),
          db: Database = Depends(get_db)) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same_secret(csrf_token, expected):
        return _login_page(request, 403, "Your sign-in form expired; please try again.",
                           email, safe_next_path(next))
    try:
        limits_of(request).count_sign_in(client_address(request))
    except RateLimited as too_many:
        page = _login_page(request, too_many.status_code, too_many.detail, email,
                           safe_next_path(next))
        page.headers.update(too_many.headers or {})
        return page
    with db.writing() as session:
        result = sign_in(session, email, password, utcnow())
    if result.token is None:
        refusal = result.refusal or PortinError()
        return _login_page(request, refusal.status_code, refusal.detail, email,
                           safe_next_path(next))
    response = RedirectResponse(safe_next_path(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="lax",
                        secure=secure_cookies(request),
                        max_age=int(SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form(""), user: SignedIn = Depends(signed_in),
           db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    token = request.cookies.get(SESSION_COOKIE, "")
    with db.writing() as session:
        sign_out(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
