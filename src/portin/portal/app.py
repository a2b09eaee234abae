"""Mounting the portal on the application: pages, static files, and HTML error pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from portin.api import errors as api_errors
from portin.domain.errors import PortinError
from portin.portal import pages_activity, pages_notifications, pages_orders, routes_auth
from portin.portal.web import HERE, CsrfRefused, NeedsSignIn, redirect, templates
from portin.storage.db import DATABASE_ERRORS

API_PREFIXES = ("/v2", "/openapi.json", "/docs", "/healthz", "/readyz", "/metrics")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES)


def _error_page(request: Request, status_code: int, title: str, detail: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html",
                                      {"user": None, "title": title, "detail": detail},
                                      status_code=status_code)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (routes_auth, pages_orders, pages_notifications, pages_activity):
        app.include_router(module.router)

    @app.exception_handler(NeedsSignIn)
    async def _sign_in(_request: Request, exc: NeedsSignIn) -> Response:
        from urllib.parse import quote

        return redirect(f"/login?next={quote(exc.next_path)}")

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
            return api_errors.unexpected_error()
        page = _error_page(request, 503, "Service unavailable", "The database cannot be"
                           " reached right now; try again in a few seconds.")
        page.headers["Retry-After"] = str(api_errors.RETRY_AFTER_SECONDS)
        return page

    for database_exception in DATABASE_ERRORS:
        app.add_exception_handler(database_exception, _database)
