"""/v2/operator: the porting desk moves any organization's orders (operator keys only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from portin.api import resources, responses
from portin.api.deps import get_db, operator_caller
from portin.api.query import ParamDoc, Query, parameter_docs
from portin.api.routes.orders import ORDER_FILTER_DOCS, order_list, single_order
from portin.api.routing import OneHopRoute
from portin.api.schemas import CommentCreate, MessagingChange, SplitRequest, StatusChange
from portin.domain.timefmt import utcnow
from portin.services import operator as operator_service
from portin.services import orders as order_service
from portin.services.accounts import Caller
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute, prefix="/v2/operator", tags=["Operator (porting desk)"],
                   dependencies=[Depends(operator_caller)])

OPERATOR_FILTER_DOCS: list[ParamDoc] = [
    ("filter[organization_id]", {"type": "string", "format": "uuid"},
     "Orders of one organization."),
    *ORDER_FILTER_DOCS,
]


@router.get("/porting_orders", summary="List every organization's porting orders",
            openapi_extra=parameter_docs(OPERATOR_FILTER_DOCS))
def list_all_orders(request: Request, db: Database = Depends(get_db)
                    ) -> responses.OrderList:
    organization_id = Query(request.query_params).text("filter[organization_id]", 64)
    return order_list(request, db, organization_id)


@router.get("/porting_orders/{order_id}", summary="Retrieve any porting order")
def retrieve_any_order(order_id: str, db: Database = Depends(get_db)) -> responses.OneOrder:
    with db.reading() as session:
        return single_order(session,
                            order_service.require_order_to_show(session, order_id, None))


@router.post("/porting_orders/{order_id}/status", summary="Move an order to a new status")
def change_status(order_id: str, body: StatusChange,
                  db: Database = Depends(get_db)) -> responses.OneOrder:
    details = [d.model_dump() for d in body.details]
    with db.writing() as session:
        row = operator_service.set_status(session, order_id, body.value, details,
                                          body.foc_datetime, utcnow())
        return single_order(session, row)


@router.post("/porting_orders/{order_id}/comments", status_code=201,
             summary="Comment on an order as the porting desk")
def admin_comment(order_id: str, body: CommentCreate, caller: Caller = Depends(operator_caller),
                  db: Database = Depends(get_db)) -> responses.OneComment:
    with db.writing() as session:
        row = order_service.require_order(session, order_id, None)
        comment = order_service.add_comment(session, row, body.body, "admin", None, utcnow())
        return responses.OneComment(data=resources.comment(comment))


@router.post("/porting_orders/{order_id}/split", status_code=201,
             summary="Split numbers off into a new order")
def split_order(order_id: str, body: SplitRequest,
                db: Database = Depends(get_db)) -> responses.OneOrder:
    with db.writing() as session:
        new_order = operator_service.split(session, order_id, body.phone_numbers, utcnow())
        return single_order(session, new_order)


@router.post("/porting_orders/{order_id}/messaging",
             summary="Set the messaging port status")
def change_messaging(order_id: str, body: MessagingChange,
                     db: Database = Depends(get_db)) -> responses.OneOrder:
    with db.writing() as session:
        row = operator_service.set_messaging_status(session, order_id,
                                                    body.messaging_port_status, utcnow())
        return single_order(session, row)
