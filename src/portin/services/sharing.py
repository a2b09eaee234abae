"""Sharing tokens: issuing one for an order, checking one presented instead of an API key, and
recording each token's expiry once.

A token is a JWT signed with HS256 by a key of this installation (`server_secrets`, name
SECRET_NAME). Its claims name the token (`jti`, the id of its row in
porting_order_sharing_tokens), the order, the organization and the one permission it grants;
`exp` is when it stops working. The row is what counts: a token whose row is missing or says
something else is refused, whatever its signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy.orm import Session

from portin.domain import sharing
from portin.domain.errors import Unauthenticated
from portin.domain.events import EventType
from portin.domain.ids import new_id
from portin.domain.sharing import Permission
from portin.services.events import record
from portin.services.orders import require_order
from portin.services.server_secrets import get_or_create
from portin.storage import sharing as token_store
from portin.storage.db import Database
from portin.storage.models import PortingOrder, PortingOrderSharingToken

SECRET_NAME = "sharing_token_hs256"
BATCH = 100
_REQUIRED_CLAIMS = ["exp", "iat", "jti", "iss", "aud", "porting_order_id", "organization_id",
                    "permissions"]


@dataclass(frozen=True)
class SharedAccess:
    """What a valid sharing token lets its holder do."""

    token_id: str
    organization_id: str
    porting_order_id: str
    permission: Permission


@dataclass(frozen=True)
class IssuedToken:
    row: PortingOrderSharingToken
    token: str
    expires_in_seconds: int


def share(session: Session, organization_id: str, order_id: str, permission: Permission,
          expires_in_seconds: int, now: datetime) -> IssuedToken:
    """A new token for the organization's order (404 for anyone else's)."""
    order = require_order(session, order_id, organization_id)
    # Whole seconds, so the row's expiry and the JWT's `exp` (a count of seconds) agree.
    created_at = now.replace(microsecond=0)
    row = PortingOrderSharingToken(
        id=new_id(), organization_id=organization_id, porting_order_id=order.id,
        permission=str(permission), created_at=created_at,
        expires_at=created_at + timedelta(seconds=expires_in_seconds),
        expiry_recorded_at=None)
    session.add(row)
    session.flush()
    claims: dict[str, Any] = {
        "iss": sharing.ISSUER, "aud": sharing.AUDIENCE, "jti": row.id,
        "iat": int(row.created_at.timestamp()), "exp": int(row.expires_at.timestamp()),
        "porting_order_id": order.id, "organization_id": organization_id,
        "permissions": [str(permission)]}
    token = jwt.encode(claims, get_or_create(session, SECRET_NAME),
                       algorithm=sharing.ALGORITHM)
    return IssuedToken(row=row, token=token, expires_in_seconds=expires_in_seconds)


def verify(session: Session, token: str, now: datetime) -> SharedAccess:
    """The access a presented token grants; Unauthenticated (401) for anything but a valid,
    unexpired sharing token of this installation whose row agrees with its claims."""
    refused = Unauthenticated("Send a valid, unexpired sharing token as"
                              " 'Authorization: Bearer <token>'.")
    try:
        claims = jwt.decode(
            token, get_or_create(session, SECRET_NAME), algorithms=[sharing.ALGORITHM],
            audience=sharing.AUDIENCE, issuer=sharing.ISSUER,
            options={"require": _REQUIRED_CLAIMS})
    except jwt.PyJWTError:
        raise refused from None
    row = token_store.get_token(session, str(claims["jti"]))
    permissions = claims["permissions"]
    if (row is None or row.expires_at <= now
            or row.porting_order_id != claims["porting_order_id"]
            or row.organization_id != claims["organization_id"]
            or permissions != [row.permission]):
        raise refused
    return SharedAccess(token_id=row.id, organization_id=row.organization_id,
                        porting_order_id=row.porting_order_id,
                        permission=Permission(row.permission))


def record_expiries(db: Database, now: datetime) -> int:
    """Write porting_order.sharing_token_expired once for every token expired by `now`;
    return how many this call wrote. Each token is marked in the transaction of its event, by
    an UPDATE that only an unmarked row matches: of two workers racing for one token, one
    writes the event and the other matches nothing."""
    written = 0
    while True:
        with db.reading() as session:
            due = token_store.expired_unrecorded_ids(session, now, BATCH)
        for token_id in due:
            with db.writing() as session:
                if not token_store.mark_expiry_recorded(session, token_id, now):
                    continue  # another worker recorded it
                row = token_store.get_token(session, token_id)
                assert row is not None
                # A deleted draft keeps its row: its token's expiry is still its event.
                order = session.get(PortingOrder, row.porting_order_id)
                assert order is not None
                record(session, order, EventType.SHARING_TOKEN_EXPIRED, None, now)
            written += 1
        if len(due) < BATCH:
            return written
