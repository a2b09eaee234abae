"""/openapi.json as the API really answers: every error in the {"errors": [...]} envelope with
the statuses each operation can return, and bearer authentication on every /v2 operation.

FastAPI documents a 422 `HTTPValidationError` ({"detail": [...]}) that portin never sends and
knows nothing of portin's other errors; `install` rewrites the generated document once.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from portin.api.responses import ErrorResponse

BEARER = "bearer"
SHARING_TOKEN = "sharing_token"
ERROR_SCHEMA = "ErrorResponse"
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
WRITES = {"post", "put", "patch", "delete"}
# Operations without a path id that answer 404 all the same (the event feed: a cursor beyond
# the organization's last event).
NOT_FOUND_WITHOUT_PATH_ID = {"/v2/public_key", "/v2/porting/event_feed",
                             "/v2/porting/event_feed/stream"}

WHY: dict[int, str] = {
    400: "Malformed request: the body is not JSON (or not UTF-8), a query parameter has the"
         " wrong type, or the path, query or a form holds a NUL character.",
    401: "No API key, or an unknown one (on /shared_documents: no valid, unexpired sharing"
         " token).",
    403: "The wrong kind of key: operator keys act only on /v2/operator, user keys everywhere"
         " else; a sharing token for another order or without the permission needed.",
    404: "Nothing with this id in the caller's organization (the event feed: a cursor beyond"
         " the organization's last event).",
    409: "The porting order was changed by someone else at the same time (read it and retry),"
         " or the record is still in use (a document or a catalogue entry still used by a"
         " record is kept), or a signing key rotation is already announced, or the same"
         " notification setting (profile, condition, channel) already exists.",
    413: "The request body is larger than the configured limit (a document upload: larger"
         " than PORTIN_MAX_DOCUMENT_BYTES).",
    415: "The body is neither JSON nor multipart/form-data.",
    422: "A field or parameter is invalid, or the change is not allowed in the order's status.",
    429: "Too many requests (rate limited); retry later.",
    503: "The database is unavailable; retry later.",
}


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """What this operation can answer besides its success."""
    # 400 and 413 come before any route (a NUL in the path or query, a body over the limit
    # even on a GET), so every operation can answer them.
    statuses = {400, 401, 403, 413, 429, 503}
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if "requestBody" in operation or has_query:
        statuses.add(422)
    if method in WRITES:
        statuses.add(422)  # the services' own rules (transitions, references, SSRF guard)
    if "{" in path or path in NOT_FOUND_WITHOUT_PATH_ID or path.startswith("/v2/public_key"):
        statuses.add(404)
    if method in WRITES and ("/porting_orders/{order_id}" in path
                             or path == "/v2/porting_orders/phone_number_configurations"):
        statuses.add(409)  # the order's optimistic version column
    if method in WRITES and path.startswith("/v2/operator/requirement_types/"):
        statuses.add(409)  # a type still in use is kept
    if method == "delete" and path == "/v2/documents/{document_id}":
        statuses.add(409)  # a document still in use
    if method == "post" and path == "/v2/documents":
        statuses.add(415)
    if method == "post" and path == "/v2/public_key/actions/rotate":
        statuses.add(409)  # a rotation already announced
    if method == "post" and path == "/v2/notification_settings":
        statuses.add(409)  # the same setting already exists
    return sorted(statuses)


def _error_response(status: int) -> dict[str, Any]:
    return {"description": WHY[status],
            "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}}}


def describe(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    error_schema = ErrorResponse.model_json_schema(
        ref_template="#/components/schemas/{model}", mode="serialization")
    schemas.update(error_schema.pop("$defs", {}))
    schemas[ERROR_SCHEMA] = error_schema
    components["securitySchemes"] = {BEARER: {
        "type": "http", "scheme": "bearer",
        "description": "An API key: an organization's key, or an operator key for"
                       " /v2/operator."},
        SHARING_TOKEN: {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "A sharing token (POST /v2/porting_orders/{id}/actions/share): the"
                           " /shared_documents routes take it, and nothing else does."}}
    for path, operations in document.get("paths", {}).items():
        if not path.startswith("/v2/"):
            continue
        for method, operation in operations.items():
            if "/shared_documents" in path:  # a sharing token, never an API key
                operation["security"] = [{SHARING_TOKEN: []}]
            elif operation.get("security") != []:  # [] marks a route that needs no key
                operation["security"] = [{BEARER: []}]
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # FastAPI's, for path parameters portin takes as text
            for status in error_statuses(path, method, operation):
                responses[str(status)] = _error_response(status)
    return document


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
