"""Mounting the portal on the application: pages, static files, and HTML error pages."""

from __future__ import annotations

import inspect
import logging
from html import escape

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ExceptionHandler

from portin.api import errors as api_errors
from portin.domain.errors import PortinError
from portin.portal import (
    pages_account,
    pages_activity,
    pages_notifications,
    pages_orders,
    routes_auth,
)
from portin.portal.security_headers import is_api_path, secure
from portin.portal.web import HERE, CsrfRefused, NeedsSignIn, redirect, templates

log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    return is_api_path(request.url.path)


def _error_page(request: Request, status_code: int, title: str, detail: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html",
                                      {"user": None, "title": title, "detail": detail},
                                      status_code=status_code)


def _unexpected_error_page(request: Request, status_code: int) -> HTMLResponse:
    title, detail = "Something went wrong", ("Something went wrong on our side; it was"
                                             " logged. Try again in a moment.")
    try:
        return _error_page(request, status_code, title, detail)
    except Exception:  # the templates themselves may be what failed
        log.warning("the error page could not be rendered; answering plain HTML")
        return HTMLResponse(f"<!doctype html><title>{escape(title)}</title>"
                            f"<h1>{escape(title)}</h1><p>{escape(detail)}</p>",
                            status_code=status_code)


def _html_outside_the_api(api_handler: ExceptionHandler) -> ExceptionHandler:
    """The one handler for unexpected errors: the API's (which logs the error and picks the
    status), answered as the portal's HTML page on every path outside the API."""

    async def handle(request: Request, exc: Exception) -> Response:
        answer: object = api_handler(request, exc)  # type: ignore[arg-type]
        if inspect.isawaitable(answer):
            answer = await answer
        assert isinstance(answer, Response)
        if not _is_api(request):
            page = _unexpected_error_page(request, answer.status_code)
            if "retry-after" in answer.headers:  # an outage the API's handler recognised
                page.headers["retry-after"] = answer.headers["retry-after"]
            answer = page
        # Starlette answers unexpected errors from its outermost layer, outside the middleware.
        return secure(answer, request.url.path)

    return handle


def install(app: FastAPI) -> None:
    """Pages and their error pages; after `api.errors.install`, whose handler for unexpected
    errors it wraps."""
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (routes_auth, pages_orders, pages_notifications, pages_activity, pages_account):
        app.include_router(module.router)

    @app.exception_handler(NeedsSignIn)
    async def _sign_in(request: Request, exc: NeedsSignIn) -> Response:
        from urllib.parse import quote

        login = f"/login?next={quote(exc.next_path)}"
        if request.headers.get("HX-Request"):
            # A live update: the whole page goes to sign-in, not the polled part of it.
            return Response(status_code=401, headers={"HX-Redirect": login})
        return redirect(login)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _exc: CsrfRefused) -> HTMLResponse:
        return _error_page(request, 403, "This form has expired",
                           "The form was not sent from a portin page you have open (its"
                           " security token is missing or wrong). Go back, reload and try"
                           " again.")

    @app.exception_handler(PortinError)
    async def _portin_error(request: Request, exc: PortinError) -> Response:
        if _is_api(request):
            return api_errors.render(exc)
        return _error_page(request, exc.status_code, exc.title, exc.detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            response: JSONResponse = await api_errors.http_error(request, exc)
            return response
        return _error_page(request, exc.status_code, "Page not found"
                           if exc.status_code == 404 else "Something is wrong", str(exc.detail))

    app.add_exception_handler(Exception, _html_outside_the_api(app.exception_handlers[Exception]))
