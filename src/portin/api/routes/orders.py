"""/v2/porting_orders: the user's port-in orders, their actions and comments."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from portin.api import resources, responses
from portin.api.deps import get_db, get_settings, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import CommentCreate, OrderCreate, OrderUpdate
from portin.config import Settings
from portin.domain.exception_codes import EXCEPTION_TYPES
from portin.domain.lifecycle import OrderStatus
from portin.domain.number_ranges import needs_associated_numbers
from portin.domain.timefmt import utcnow
from portin.services import orders as order_service
from portin.services import requirements as requirement_service
from portin.services import verification_codes
from portin.services.accounts import Caller
from portin.storage import number_ranges as range_store
from portin.storage import orders as order_store
from portin.storage.db import Database
from portin.storage.orders import ORDER_SORTS, OrderFilters
from portin.storage.reads import OrderRecord

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Porting orders"])

STATUS_VALUES = [str(s) for s in OrderStatus]

ORDER_FILTER_DOCS: list[ParamDoc] = [
    ("include_phone_numbers", {"type": "boolean", "default": True},
     "Include the first 50 phone numbers of each order."),
    ("filter[status]", {"type": "string", "enum": STATUS_VALUES}, "Orders in this status."),
    ("filter[status][in][]", {"type": "array", "items": {"type": "string",
                                                         "enum": STATUS_VALUES}},
     "Orders in any of these statuses (repeat the key or join with commas)."),
    ("filter[customer_reference]", {"type": "string"}, "Exact customer reference."),
    ("filter[customer_group_reference]", {"type": "string"}, "Exact customer group reference."),
    ("filter[parent_support_key]", {"type": "string"}, "Orders split from one parent."),
    ("filter[support_key]", {"type": "string"}, "Exact support key (sr_...)."),
    ("filter[phone_numbers][country_code]", {"type": "string"},
     "ISO alpha-2 country of a number on the order (also filter[phone_numbers.country_code])."),
    ("filter[phone_numbers][carrier_name]", {"type": "string"}, "Losing carrier's name."),
    ("filter[phone_numbers][phone_number][contains]", {"type": "string"},
     "A number on the order contains this text."),
    ("filter[misc][type]", {"type": "string", "enum": ["full", "partial"]}, "Port type."),
    ("filter[end_user][admin][entity_name]", {"type": "string"}, "End user's entity name."),
    ("filter[end_user][admin][auth_person_name]", {"type": "string"},
     "End user's authorized person."),
    ("filter[activation_settings][fast_port_eligible]", {"type": "boolean"}, "FastPort."),
    ("filter[activation_settings][foc_datetime_requested][gt]",
     {"type": "string", "format": "date-time"}, "Requested FOC after this time."),
    ("filter[activation_settings][foc_datetime_requested][lt]",
     {"type": "string", "format": "date-time"}, "Requested FOC before this time."),
    ("sort[value]", {"type": "string", "enum": list(ORDER_SORTS)},
     "Sort order (also sort[] or sort); newest first by default."),
    *PAGE_DOCS,
]


def parse_order_filters(query: Query, organization_id: str | None) -> OrderFilters:
    statuses = query.choices("filter[status][in]", STATUS_VALUES)
    statuses += query.choices("filter[status][in][]", STATUS_VALUES)
    single = query.choice("filter[status]", STATUS_VALUES)
    if single:
        statuses.append(single)
    sort = (query.choice("sort[value]", ORDER_SORTS) or query.choice("sort[]", ORDER_SORTS)
            or query.choice("sort", ORDER_SORTS) or "-created_at")
    return OrderFilters(
        organization_id=organization_id,
        statuses=tuple(statuses),
        customer_reference=query.text("filter[customer_reference]"),
        customer_group_reference=query.text("filter[customer_group_reference]"),
        parent_support_key=query.text("filter[parent_support_key]"),
        support_key=query.text("filter[support_key]"),
        country_code=query.text("filter[phone_numbers][country_code]", max_length=2),
        carrier_name=query.text("filter[phone_numbers][carrier_name]"),
        phone_number_contains=query.text("filter[phone_numbers][phone_number][contains]", 16),
        misc_type=query.choice("filter[misc][type]", ["full", "partial"]),
        entity_name=query.text("filter[end_user][admin][entity_name]"),
        auth_person_name=query.text("filter[end_user][admin][auth_person_name]"),
        fast_port_eligible=query.boolean("filter[activation_settings][fast_port_eligible]"),
        foc_requested_gt=query.timestamp(
            "filter[activation_settings][foc_datetime_requested][gt]"),
        foc_requested_lt=query.timestamp(
            "filter[activation_settings][foc_datetime_requested][lt]"),
        sort=sort,
    )


def render_orders(session: Session, rows: Sequence[OrderRecord], include_numbers: bool
                  ) -> list[responses.PortingOrder]:
    ids = [row.id for row in rows]
    counts = order_store.count_numbers(session, ids)
    numbers = (order_store.numbers_shown(session, ids, resources.PHONE_NUMBERS_SHOWN)
               if include_numbers else {})
    steps = additional_steps_of(session, rows)
    requirements = requirement_service.of_orders(session, rows)
    return [resources.order(row, numbers.get(row.id) if include_numbers else None,
                            counts[row.id], requirements[row.id], steps[row.id])
            for row in rows]


def additional_steps_of(session: Session, rows: Sequence[OrderRecord]) -> dict[str, list[str]]:
    """What each order still needs before it can go ahead (the public API's additional_steps):
    associated numbers for a UK partial port, codes for numbers that must be verified. Only
    partial ports are looked into for the first, so most pages cost one query here."""
    steps: dict[str, list[str]] = {row.id: [] for row in rows}
    partial = [row.id for row in rows if row.misc_type == "partial"]
    if partial:
        countries = range_store.countries_of(session, partial)
        associated = range_store.associated_counts(session, partial)
        for order_id in partial:
            if needs_associated_numbers("partial", countries.get(order_id, set()),
                                        associated.get(order_id, 0)):
                steps[order_id].append("associated_phone_numbers")
    for order_id in verification_codes.orders_awaiting_codes(session, list(steps)):
        steps[order_id].append("phone_number_verification_codes")
    return steps


def single_order(session: Session, row: OrderRecord, include_numbers: bool = True
                 ) -> responses.OneOrder:
    return responses.OneOrder(
        data=render_orders(session, [row], include_numbers)[0],
        meta=responses.OrderMeta(phone_numbers_url=resources.phone_numbers_url(row.id)))


def include_numbers(query: Query) -> bool:
    value = query.boolean("include_phone_numbers")
    return True if value is None else value


@router.post("/porting_orders", status_code=201, summary="Create a draft porting order")
def create_order(body: OrderCreate, caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db)) -> responses.CreatedOrders:
    with db.writing() as session:
        row = order_service.create_order(
            session, org_id(caller), body.phone_numbers, body.customer_reference,
            body.customer_group_reference, utcnow())
        return responses.CreatedOrders(data=render_orders(session, [row], True))


@router.get("/porting_orders", summary="List porting orders",
            openapi_extra=parameter_docs(ORDER_FILTER_DOCS))
def list_orders(request: Request, caller: Caller = Depends(user_caller),
                db: Database = Depends(get_db)) -> responses.OrderList:
    return order_list(request, db, org_id(caller))


def order_list(request: Request, db: Database, organization_id: str | None
               ) -> responses.OrderList:
    """A page of orders as the query asks; `organization_id` None means every organization."""
    query = Query(request.query_params)
    filters = parse_order_filters(query, organization_id)
    page = query.page()
    with_numbers = include_numbers(query)
    with db.reading() as session:
        result = order_store.list_orders(session, filters, page)
        return responses.OrderList(data=render_orders(session, result.items, with_numbers),
                                   meta=result.meta())


@router.get("/porting_orders/exception_types", summary="List the exception reason codes")
def exception_types(_caller: Caller = Depends(user_caller)) -> responses.ExceptionTypes:
    return responses.ExceptionTypes(data=[
        responses.PortingOrdersExceptionType(code=code, description=description)
        for code, description in EXCEPTION_TYPES.items()])


@router.get("/porting_orders/{order_id}", summary="Retrieve a porting order",
            openapi_extra=parameter_docs(ORDER_FILTER_DOCS[:1]))
def retrieve_order(order_id: str, request: Request, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneOrder:
    with_numbers = include_numbers(Query(request.query_params))
    with db.reading() as session:
        row = order_service.require_order_to_show(session, order_id, org_id(caller))
        return single_order(session, row, with_numbers)


@router.patch("/porting_orders/{order_id}", summary="Edit a porting order")
def update_order(order_id: str, body: OrderUpdate, caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db),
                 settings: Settings = Depends(get_settings)) -> responses.OneOrder:
    changes = body.model_dump(exclude_unset=True)
    with db.writing() as session:
        row = order_service.update_order(session, org_id(caller), order_id, changes, utcnow(),
                                         settings.allow_private_webhooks)
        return single_order(session, row)


@router.delete("/porting_orders/{order_id}", status_code=204, response_class=Response,
               summary="Delete a draft porting order")
def delete_order(order_id: str, caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db)) -> Response:
    with db.writing() as session:
        row = order_service.require_order(session, order_id, org_id(caller))
        order_service.delete_draft(session, row, utcnow())
    return Response(status_code=204)


@router.post("/porting_orders/{order_id}/actions/confirm", summary="Submit a draft order")
def confirm_order(order_id: str, caller: Caller = Depends(user_caller),
                  db: Database = Depends(get_db)) -> responses.OneOrder:
    with db.writing() as session:
        row = order_service.confirm(session, org_id(caller), order_id, utcnow())
        return single_order(session, row)


@router.post("/porting_orders/{order_id}/actions/cancel", summary="Ask to cancel an order")
def cancel_order(order_id: str, caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db)) -> responses.OneOrder:
    with db.writing() as session:
        row = order_service.cancel(session, org_id(caller), order_id, utcnow())
        return single_order(session, row)


@router.get("/porting_orders/{order_id}/comments", summary="List an order's comments",
            openapi_extra=parameter_docs(PAGE_DOCS))
def list_comments(order_id: str, request: Request, caller: Caller = Depends(user_caller),
                  db: Database = Depends(get_db)) -> responses.CommentList:
    page = Query(request.query_params).page()
    with db.reading() as session:
        order_service.require_order(session, order_id, org_id(caller))
        result = order_store.list_comments(session, order_id, page)
        return responses.CommentList(data=[resources.comment(c) for c in result.items],
                                     meta=result.meta())


@router.post("/porting_orders/{order_id}/comments", status_code=201,
             summary="Comment on an order")
def create_comment(order_id: str, body: CommentCreate, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneComment:
    with db.writing() as session:
        row = order_service.require_order(session, order_id, org_id(caller))
        comment = order_service.add_comment(session, row, body.body, "user", None, utcnow())
        return responses.OneComment(data=resources.comment(comment))
