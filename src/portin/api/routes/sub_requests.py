"""GET /v2/porting_orders/{id}/sub_request: an order's V1 ids (see domain/sub_requests.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from portin.api import resources, responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.routing import OneHopRoute
from portin.services.accounts import Caller
from portin.services.orders import require_order
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Porting orders"])


@router.get("/porting_orders/{order_id}/sub_request",
            summary="Retrieve an order's V1 sub_request_id and port_request_id")
def retrieve_sub_request(order_id: str, caller: Caller = Depends(user_caller),
                         db: Database = Depends(get_db)) -> responses.OneSubRequest:
    with db.reading() as session:
        order = require_order(session, order_id, org_id(caller))
        return responses.OneSubRequest(data=resources.sub_request(order))
