"""Mounting the portal on the application: pages, static files, and HTML error pages."""

from __future__ import annotations

import logging
from html import escape

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from portin.api import errors as api_errors
from portin.domain.errors import PortinError
from portin.portal import (
    live,
    pages_account,
    pages_activity,
    pages_destinations,
    pages_notifications,
    pages_order_forms,
    pages_order_paperwork,
    pages_orders,
    pages_recover,
    pages_signing_keys,
    routes_auth,
)
from portin.portal.security_headers import is_api_path
from portin.portal.web import HERE, CsrfRefused, NeedsSignIn, redirect, templates
from portin.storage.database_errors import DATABASE_ERRORS

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


def unexpected_error_answer(request: Request) -> Response:
    """What `api.errors.UnexpectedErrors` answers after an error no handler took: the API's
    JSON error under the API's paths, the portal's HTML error page everywhere else."""
    if _is_api(request):
        return api_errors.unexpected_error()
    return _unexpected_error_page(request, 500)


def install(app: FastAPI) -> None:
    """Pages and their error pages; after `api.errors.install`, whose database handlers it
    replaces with ones that answer HTML outside the API."""
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # pages_order_forms first: its /orders/new is not an order id.
    for module in (routes_auth, pages_order_forms, pages_orders, pages_order_paperwork,
                   pages_notifications, pages_activity, pages_destinations, pages_account,
                   pages_signing_keys, pages_recover, live):
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

    async def _database(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return await api_errors.database_error(request, exc)
        if not api_errors.log_database_error(request, exc):
            return _unexpected_error_page(request, 500)
        page = _error_page(request, 503, "Service unavailable", "The database cannot be"
                           " reached right now; try again in a few seconds.")
        page.headers["Retry-After"] = str(api_errors.RETRY_AFTER_SECONDS)
        return page

    for database_exception in DATABASE_ERRORS:
        app.add_exception_handler(database_exception, _database)
