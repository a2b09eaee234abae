"""One error format for every failure: {"errors": [{code, title, detail, source, meta}]}."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portin.domain.errors import Conflict, MalformedRequest, PortinError
from portin.storage.database_errors import DATABASE_ERRORS, is_unreachable

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "10015", 401: "10009", 403: "10010", 404: "10005", 405: "10015",
               409: "10011", 413: "10013", 415: "10015", 422: "10015", 429: "10011"}

# How long a client is asked to wait while the database cannot be reached: outages seen so
# far were seconds long, and the API is back as soon as the database is.
RETRY_AFTER_SECONDS = 2


def error_body(code: str, title: str, detail: str, pointer: str | None = None,
               parameter: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "title": title, "detail": detail}
    source = {k: v for k, v in (("pointer", pointer), ("parameter", parameter)) if v}
    if source:
        error["source"] = source
    error["meta"] = {"url": f"https://developers.telnyx.com/docs/overview/errors/{code}"}
    return {"errors": [error]}


def render(error: PortinError) -> JSONResponse:
    return JSONResponse(
        error_body(error.code, error.title, error.detail, error.pointer, error.parameter),
        status_code=error.status_code, headers=error.headers)


def _pointer(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return "/" + "/".join(parts)


def _validation_errors(exc: RequestValidationError) -> JSONResponse:
    errors = []
    status = 422
    for item in exc.errors():
        location = tuple(item.get("loc", ()))
        if item.get("type") == "json_invalid":
            status = 400
            errors.append({"code": "10015", "title": "Bad Request",
                           "detail": "The request body is not valid JSON.",
                           "source": {"pointer": "/"}})
            continue
        message = str(item.get("msg", "Invalid value"))
        pointer = _pointer(location)
        source: dict[str, str] = {"pointer": pointer}
        if location and location[0] in ("query", "path", "header"):
            source = {"parameter": str(location[-1])}
        errors.append({"code": "10015", "title": "Invalid value",
                       "detail": f"{pointer if 'pointer' in source else location[-1]}: {message}",
                       "source": source})
    return JSONResponse({"errors": errors}, status_code=status)


async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, "10007")
    title = {404: "Resource not found", 405: "Method not allowed"}.get(
        exc.status_code, str(exc.detail))
    return JSONResponse(error_body(code, title, str(exc.detail)),
                        status_code=exc.status_code, headers=exc.headers)


def unexpected_error() -> JSONResponse:
    return JSONResponse(error_body("10007", "Unexpected error",
                                   "Something went wrong on our side; it was logged."),
                        status_code=500)


def service_unavailable() -> JSONResponse:
    return JSONResponse(
        error_body("10007", "Service unavailable",
                   "The database cannot be reached right now; try again shortly."),
        status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def log_database_error(request: Request, exc: Exception) -> bool:
    """Log a failed request's database error: one line for an outage (every request fails
    alike while it lasts), a traceback for anything else. Returns whether it was an outage."""
    if is_unreachable(exc):
        log.warning("database unreachable: %s %s answered 503 (%s)", request.method,
                    request.url.path, type(exc).__name__)
        return True
    log.error("unexpected database error on %s %s", request.method, request.url.path,
              exc_info=exc)
    return False


async def database_error(request: Request, exc: Exception) -> JSONResponse:
    return service_unavailable() if log_database_error(request, exc) else unexpected_error()


class UnexpectedErrors:
    """The 500 answer for any exception no handler took, with its traceback logged once.

    Why not an exception handler for `Exception`: Starlette calls that one from its outermost
    middleware and then raises the exception again, for the server to log it a second time."""

    def __init__(self, app: ASGIApp,
                 answer: Callable[[Request], Response] = lambda _request: unexpected_error()
                 ) -> None:
        self.app = app
        self.answer = answer  # the portal answers its own HTML page outside the API

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not started:  # else the answer is cut short: the client sees it broken off
                await self.answer(Request(scope))(scope, receive, send)


def install(app: FastAPI) -> None:
    @app.exception_handler(PortinError)
    async def _portin_error(_request: Request, exc: PortinError) -> JSONResponse:
        return render(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_errors(exc)

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _exc: StaleDataError) -> JSONResponse:
        return render(Conflict("The porting order was changed by someone else at the same"
                               " time; read it again and retry."))

    @app.exception_handler(IntegrityError)
    async def _raced(_request: Request, exc: IntegrityError) -> JSONResponse:
        # Two requests at once can pass the same "is it free?" check and both insert (on
        # PostgreSQL; SQLite's writers queue): the database's constraint stops the second.
        log.warning("a write conflicted with a concurrent one (%s); answered 409",
                    type(exc.orig).__name__)
        return render(Conflict("The record was written by another request at the same time;"
                               " read it again and retry."))

    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]

    @app.exception_handler(UnicodeDecodeError)
    async def _undecodable(_request: Request, _exc: UnicodeDecodeError) -> JSONResponse:
        return render(MalformedRequest("The request body is not UTF-8."))

    for database_exception in DATABASE_ERRORS:
        app.add_exception_handler(database_exception, database_error)
