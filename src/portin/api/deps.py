"""Request dependencies: the database, the settings, and who is calling (an API key, or on the
shared-documents routes alone, a sharing token)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request

from portin.api.rate_limit import RateLimits, client_address, rate_limits
from portin.config import Settings
from portin.domain.errors import Forbidden, Unauthenticated
from portin.domain.sharing import Permission
from portin.domain.timefmt import utcnow
from portin.services import sharing
from portin.services.accounts import Caller, authenticate
from portin.services.sharing import SharedAccess
from portin.storage.db import Database


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in a worker
# thread, and the hop costs more than the dependency itself.
async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _bearer(request: Request, what: str = "the API key") -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(f"Send {what} as 'Authorization: Bearer <{what.split()[-1]}>'.")
    return token.strip()


def any_caller(request: Request, db: Database = Depends(get_db),
               limits: RateLimits = Depends(rate_limits)) -> Caller:
    """The key's owner. An address that keeps sending bad keys is refused before its key is
    looked at; a good key's requests count against that key's own limit."""
    address = client_address(request)
    limits.refuse_if_failing_auth(address)
    try:
        with db.driver_reading() as connection:
            caller = authenticate(connection, db.dialect_name, _bearer(request))
    except Unauthenticated:
        limits.count_failed_auth(address)
        raise
    limits.count_key_request(caller.key_id)
    return caller


async def user_caller(caller: Caller = Depends(any_caller)) -> Caller:
    """An organization's key. Operator keys are refused on the user API."""
    if caller.kind != "user" or caller.organization_id is None:
        raise Forbidden("Operator keys act through /v2/operator; use an organization's key.")
    return caller


async def operator_caller(caller: Caller = Depends(any_caller)) -> Caller:
    if caller.kind != "operator":
        raise Forbidden("This endpoint is for the porting desk; it needs an operator key.")
    return caller


def org_id(caller: Caller) -> str:
    assert caller.organization_id is not None  # user_caller guarantees it
    return caller.organization_id


def shared_access(permission: Permission) -> Callable[..., SharedAccess]:
    """The dependency of a route that a sharing token opens, and nothing else: an API key is
    not a sharing token (401 here), and a sharing token is not an API key (401 on every other
    route). The token must be for the path's order (403) and grant `permission` (403)."""

    def dependency(order_id: str, request: Request, db: Database = Depends(get_db),
                   limits: RateLimits = Depends(rate_limits)) -> SharedAccess:
        address = client_address(request)
        limits.refuse_if_failing_auth(address)
        try:
            # A write transaction: the signing key is made on first use (see server_secrets).
            with db.writing() as session:
                access = sharing.verify(session, _bearer(request, "a sharing token"), utcnow())
        except Unauthenticated:
            limits.count_failed_auth(address)
            raise
        limits.count_key_request(access.token_id)
        if access.porting_order_id != order_id:
            raise Forbidden("This sharing token was issued for another porting order.")
        if access.permission != permission:
            raise Forbidden(f"This sharing token grants {access.permission}; this needs"
                            f" {permission}.")
        return access

    return dependency
