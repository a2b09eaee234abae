"""Request dependencies: the database, the settings, and who is calling."""

from __future__ import annotations

from fastapi import Depends, Request

from portin.api.rate_limit import RateLimits, client_address, rate_limits
from portin.config import Settings
from portin.domain.errors import Forbidden, Unauthenticated
from portin.services.accounts import Caller, authenticate
from portin.storage.db import Database


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send the API key as 'Authorization: Bearer <key>'.")
    return token.strip()


def any_caller(request: Request, db: Database = Depends(get_db),
               limits: RateLimits = Depends(rate_limits)) -> Caller:
    """The key's owner. An address that keeps sending bad keys is refused before its key is
    looked at; a good key's requests count against that key's own limit."""
    address = client_address(request)
    limits.refuse_if_failing_auth(address)
    try:
        with db.reading() as session:
            caller = authenticate(session, _bearer(request))
    except Unauthenticated:
        limits.count_failed_auth(address)
        raise
    limits.count_key_request(caller.key_id)
    return caller


def user_caller(caller: Caller = Depends(any_caller)) -> Caller:
    """An organization's key. Operator keys are refused on the user API."""
    if caller.kind != "user" or caller.organization_id is None:
        raise Forbidden("Operator keys act through /v2/operator; use an organization's key.")
    return caller


def operator_caller(caller: Caller = Depends(any_caller)) -> Caller:
    if caller.kind != "operator":
        raise Forbidden("This endpoint is for the porting desk; it needs an operator key.")
    return caller


def org_id(caller: Caller) -> str:
    assert caller.organization_id is not None  # user_caller guarantees it
    return caller.organization_id
