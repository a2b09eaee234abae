"""POST /v2/webhook_deliveries/actions/recover (portin): failed deliveries sent again."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from portin.api import responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.routing import OneHopRoute
from portin.api.schemas import RecoverBody
from portin.domain.timefmt import iso, utcnow
from portin.services import recovery
from portin.services.accounts import Caller
from portin.storage.db import Database
from portin.storage.recovery import FailedScope

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Webhook deliveries"])


def render(scope: FailedScope, result: recovery.Recovery) -> responses.DeliveryRecovery:
    return responses.DeliveryRecovery.model_validate({
        "record_type": "delivery_recovery", "recovered": result.recovered,
        "queued": result.queued, "remaining": result.remaining, "since": iso(scope.since),
        "until": iso(scope.until), "destination": scope.destination,
        "notification_channel_id": scope.notification_channel_id})


@router.post("/webhook_deliveries/actions/recover", status_code=202,
             summary="Send the failed deliveries of a time range again (portin)")
def recover_deliveries(body: RecoverBody, caller: Caller = Depends(user_caller),
                       db: Database = Depends(get_db)) -> responses.OneDeliveryRecovery:
    """New deliveries, due now, for the failed deliveries made (created_at) in [since,
    until], at most 31 days; each failed delivery is recovered once. Answers how many."""
    scope = FailedScope(org_id(caller), body.since, body.until, body.destination,
                        body.notification_channel_id)
    with db.writing() as session:
        result = recovery.recover(session, scope, utcnow())
    return responses.OneDeliveryRecovery(data=render(scope, result))
