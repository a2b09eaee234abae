"""The FastAPI application: routes, error format, body limit, metrics and health."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from portin import __version__
from portin.api import errors, openapi
from portin.api.body_limit import BodyLimit
from portin.api.input_guard import InputGuard
from portin.api.rate_limit import RateLimits
from portin.api.readiness import Readiness
from portin.api.routes import (
    account,
    action_requirements,
    activation,
    activation_operator,
    deliveries,
    delivery_recovery,
    destinations,
    documents,
    event_feed,
    events,
    loa,
    notifications,
    number_ranges,
    operator,
    orders,
    portability,
    portability_operator,
    reports,
    requirements,
    requirements_operator,
    sharing,
    signing_keys,
    sub_requests,
    verification_codes,
)
from portin.config import Settings, document_upload_body_bytes
from portin.delivery.code_sender import load_sender
from portin.delivery.processes import WorkerProcesses
from portin.portal import app as portal
from portin.portal.security_headers import SecurityHeaders
from portin.storage.db import Database

DESCRIPTION = """
portin tracks phone-number port-in orders and records every change as an immutable event.
Paths and shapes follow the public porting API, so its clients work by changing the base URL
to `http://HOST:PORT/v2`. Authenticate with `Authorization: Bearer <API key>`; operator keys
use `/v2/operator`. Errors are `{"errors": [{code, title, detail, source, meta}]}`.
"""


def create_app(settings: Settings, db: Database | None = None,
               workers: WorkerProcesses | None = None) -> FastAPI:
    """The API and the portal. Deliveries and the draft scheduler run in worker processes:
    `workers`, started and stopped with the app (as `portin serve` does), or `portin worker`."""
    database = db or Database(settings.database_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if workers is not None:
            workers.start()
        try:
            yield
        finally:
            if workers is not None:
                await asyncio.to_thread(workers.stop)
            if db is None:
                database.dispose()

    app = FastAPI(title="portin", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url="/docs", redoc_url=None)
    app.state.db = database
    app.state.settings = settings
    app.state.rate_limits = RateLimits(settings)
    app.state.code_sender = load_sender(settings)
    errors.install(app)
    openapi.install(app)
    # Number ranges first: their fixed /porting_orders/phone_number_configurations must match
    # before /porting_orders/{order_id} could take it for an order id.
    app.include_router(number_ranges.router)
    for module in (orders, events, operator, account, notifications, deliveries, loa,
                   requirements, requirements_operator, documents, activation,
                   activation_operator, portability, portability_operator,
                   sharing, reports, sub_requests, destinations, signing_keys,
                   delivery_recovery, event_feed):
        app.include_router(module.router)
    app.include_router(number_ranges.operator_router)
    for area in (verification_codes, action_requirements):
        app.include_router(area.router)
        app.include_router(area.operator_router)
    portal.install(app)
    # Innermost of the middlewares (each later one wraps it): it answers what no exception
    # handler took, inside the security headers.
    app.add_middleware(errors.UnexpectedErrors, answer=portal.unexpected_error_answer)
    app.add_middleware(InputGuard)  # inside BodyLimit: a form body it reads is bounded
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes,
                       upload_max_bytes=max(settings.max_body_bytes,
                                            document_upload_body_bytes(settings)))
    # Outermost, so every answer carries its headers, the guards' refusals included.
    app.add_middleware(SecurityHeaders)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers. It says nothing about the database."""
        return {"status": "ok"}

    readiness = Readiness(database)

    @app.get("/readyz", include_in_schema=False, response_model=None)
    def readyz() -> Response | dict[str, str]:
        """Readiness: the database answers (503 from the error handlers when it does not) and
        its migrations are current (503 saying which revision it is at when they are not)."""
        return readiness.check()

    return app
