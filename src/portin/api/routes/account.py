"""/v2/porting_phone_numbers: an account-level read (/v2/public_key: signing_keys.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from portin.api import resources, responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.query import PAGE_DOCS, Query, parameter_docs
from portin.api.routes.orders import STATUS_VALUES
from portin.api.routing import OneHopRoute
from portin.services import requirements as requirement_service
from portin.services.accounts import Caller
from portin.storage import numbers
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Account"])


@router.get("/porting_phone_numbers", summary="List phone numbers on porting orders",
            openapi_extra=parameter_docs([
                ("filter[porting_order_id]", {"type": "string"}, "Numbers of one order."),
                ("filter[porting_order_status]", {"type": "string", "enum": STATUS_VALUES},
                 "Numbers on orders in this status."),
                ("filter[phone_number]", {"type": "string"}, "One number, +E.164."),
                *PAGE_DOCS]))
def list_phone_numbers(request: Request, caller: Caller = Depends(user_caller),
                       db: Database = Depends(get_db)) -> responses.PhoneNumberList:
    query = Query(request.query_params)
    filters = numbers.NumberFilters(
        organization_id=org_id(caller),
        porting_order_id=query.text("filter[porting_order_id]", 64),
        porting_order_status=query.choice("filter[porting_order_status]", STATUS_VALUES),
        phone_number=query.text("filter[phone_number]", 16),
    )
    page = query.page()
    with db.reading() as session:
        result = numbers.list_numbers(session, filters, page)
        orders = {o.id: o for _, o in result.items}
        requirements = requirement_service.of_orders(session, orders.values())
        return responses.PhoneNumberList(
            data=[resources.phone_number(n, o, requirements[o.id]) for n, o in result.items],
            meta=result.meta())
