"""/v2/public_key: the key that verifies the organization's webhooks, the one announced to
take over, and (a portin addition) rotation."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from portin.api import resources, responses
from portin.api.deps import get_db, get_settings, org_id, user_caller
from portin.api.routing import OneHopRoute
from portin.api.schemas import SigningKeyRotate
from portin.config import Settings
from portin.domain import signing_keys as rules
from portin.domain.timefmt import utcnow
from portin.services import signing_keys
from portin.services.accounts import Caller
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Account"])


@router.get("/public_key", summary="The key that verifies this organization's webhooks")
def public_key(caller: Caller = Depends(user_caller),
               db: Database = Depends(get_db)) -> responses.OnePublicKey:
    with db.reading() as session:
        state = signing_keys.key_state(session, org_id(caller), utcnow())
        return responses.OnePublicKey(data=resources.public_key(state))


@router.post("/public_key/actions/rotate", status_code=201,
             summary="Announce a new webhook signing key (portin addition)")
def rotate(body: SigningKeyRotate | None = None, caller: Caller = Depends(user_caller),
           settings: Settings = Depends(get_settings),
           db: Database = Depends(get_db)) -> responses.OnePublicKey:
    request = body or SigningKeyRotate()
    now = utcnow()
    switch_at = rules.switch_time(
        now, immediately=request.immediately, switch_at=request.switch_at,
        announce_seconds=request.announce_seconds,
        default_announce_seconds=settings.signing_key_announce_seconds)
    with db.writing() as session:
        state = signing_keys.rotate(session, org_id(caller), now, switch_at)
        return responses.OnePublicKey(data=resources.public_key(state))
