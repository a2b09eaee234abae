"""An order's number ranges: /v2/porting_orders/{id}/phone_number_blocks,
/phone_number_extensions and /associated_phone_numbers, the user bundles of
/v2/porting_orders/phone_number_configurations, and the porting desk's view of the ranges.

`router` must be included before the orders router: its fixed path
/porting_orders/phone_number_configurations would otherwise be taken for an order id.
"""

from __future__ import annotations

import re
from typing import get_args

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from portin.api import resources, responses
from portin.api.deps import get_db, operator_caller, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routes.orders import STATUS_VALUES
from portin.api.routing import OneHopRoute
from portin.api.schemas import (
    AssociatedPhoneNumberCreate,
    PhoneNumberBlockCreate,
    PhoneNumberConfigurationsCreate,
    PhoneNumberExtensionCreate,
)
from portin.domain.errors import InvalidRequest
from portin.domain.timefmt import utcnow
from portin.services import number_ranges as range_service
from portin.services import orders as order_service
from portin.services.accounts import Caller
from portin.storage import number_ranges as range_store
from portin.storage.db import Database
from portin.storage.models import (
    PortingAssociatedPhoneNumber,
    PortingOrder,
    PortingPhoneNumberBlock,
    PortingPhoneNumberExtension,
)
from portin.storage.number_ranges import BlockFilters, ConfigurationFilters

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Porting order number ranges"])
operator_router = APIRouter(route_class=OneHopRoute,
                            prefix="/v2/operator", tags=["Operator (porting desk)"],
                            dependencies=[Depends(operator_caller)])

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
SORTS = ["created_at", "-created_at"]
ACTIVATION_STATUSES: list[str] = list(get_args(responses.ActivationStatus))
PORTABILITY_STATUSES = ["pending", "confirmed", "provisional"]
# The configuration list's status filter also names activation-in-progress, which no
# portin order has (it matches nothing).
CONFIGURATION_ORDER_STATUSES = [*STATUS_VALUES, "activation-in-progress"]

SORT_DOCS: list[ParamDoc] = [
    ("sort[value]", {"type": "string", "enum": SORTS}, "Newest first by default."),
    *PAGE_DOCS,
]
BLOCK_FILTER_DOCS: list[ParamDoc] = [
    ("filter[porting_order_id]", {"type": "array", "items": {"type": "string"}},
     "Blocks of these orders (comma-joined)."),
    ("filter[support_key]", {"type": "array", "items": {"type": "string"}},
     "Blocks of orders with these support keys (also [eq] and [in][])."),
    ("filter[status]", {"type": "array", "items": {"type": "string", "enum": STATUS_VALUES}},
     "Blocks of orders in these statuses (also filter[status][in][])."),
    ("filter[phone_number]", {"type": "array", "items": {"type": "string"}},
     "Blocks whose range holds one of these +E.164 numbers."),
    ("filter[activation_status]", {"type": "string", "enum": ACTIVATION_STATUSES},
     "Blocks holding a number of the order with this activation status."),
    ("filter[portability_status]", {"type": "string", "enum": PORTABILITY_STATUSES},
     "Blocks holding a number of the order with this portability status."),
    *SORT_DOCS,
]
EXTENSION_FILTER_DOCS: list[ParamDoc] = [
    ("filter[porting_phone_number_id]", {"type": "string"},
     "Extensions of one porting phone number."),
    *SORT_DOCS,
]
ASSOCIATED_FILTER_DOCS: list[ParamDoc] = [
    ("filter[phone_number]", {"type": "string"},
     "Associated ranges holding this +E.164 number."),
    ("filter[action]", {"type": "string", "enum": ["keep", "disconnect"]}, "Action."),
    *SORT_DOCS,
]
CONFIGURATION_FILTER_DOCS: list[ParamDoc] = [
    ("filter[porting_order][status]",
     {"type": "array", "items": {"type": "string", "enum": CONFIGURATION_ORDER_STATUSES}},
     "Numbers on orders in these statuses (also filter[porting_order.status][in][])."),
    ("filter[porting_phone_number]", {"type": "array", "items": {"type": "string"}},
     "These porting phone numbers (ids; also [in][])."),
    ("filter[user_bundle_id]", {"type": "array", "items": {"type": "string"}},
     "These user bundles (also [in][])."),
    *SORT_DOCS,
]


def _sort(query: Query) -> str:
    return query.choice("sort[value]", SORTS) or "-created_at"


def _number_value(raw: str, key: str) -> int:
    if not _E164.match(raw):
        raise InvalidRequest(f"{key} must be a phone number in +E.164 format; got {raw!r}.",
                             parameter=key)
    return int(raw[1:])


def _all(query: Query, *keys: str, max_length: int = 64) -> tuple[str, ...]:
    return tuple(value for key in keys for value in query.texts(key, max_length))


def _user_order(session: Session, caller: Caller, order_id: str) -> PortingOrder:
    return order_service.require_order(session, order_id, org_id(caller))


# -- number configurations (fixed path: before /porting_orders/{order_id}) -------------------
@router.post("/porting_orders/phone_number_configurations", status_code=201,
             summary="Configure porting phone numbers with user bundles")
def create_configurations(body: PhoneNumberConfigurationsCreate,
                          caller: Caller = Depends(user_caller),
                          db: Database = Depends(get_db)) -> responses.CreatedConfigurations:
    items = [(item.porting_phone_number_id, item.user_bundle_id)
             for item in body.phone_number_configurations]
    with db.writing() as session:
        rows = range_service.create_configurations(session, org_id(caller), items, utcnow())
        return responses.CreatedConfigurations(data=[resources.configuration(r) for r in rows])


@router.get("/porting_orders/phone_number_configurations",
            summary="List the porting phone numbers' configurations",
            openapi_extra=parameter_docs(CONFIGURATION_FILTER_DOCS))
def list_configurations(request: Request, caller: Caller = Depends(user_caller),
                        db: Database = Depends(get_db)) -> responses.ConfigurationList:
    query = Query(request.query_params)
    statuses = (query.choices("filter[porting_order][status]", CONFIGURATION_ORDER_STATUSES)
                + query.choices("filter[porting_order][status][in][]",
                                CONFIGURATION_ORDER_STATUSES))
    filters = ConfigurationFilters(
        organization_id=org_id(caller), order_statuses=tuple(statuses),
        porting_phone_number_ids=_all(query, "filter[porting_phone_number]",
                                      "filter[porting_phone_number][in][]"),
        user_bundle_ids=_all(query, "filter[user_bundle_id]", "filter[user_bundle_id][in][]"))
    sort, page = _sort(query), query.page()
    with db.reading() as session:
        result = range_store.list_configurations(session, filters, sort, page)
        return responses.ConfigurationList(
            data=[resources.configuration(r) for r in result.items], meta=result.meta())


# -- phone number blocks --------------------------------------------------------------------
@router.post("/porting_orders/{order_id}/phone_number_blocks", status_code=201,
             summary="Add a phone number block to an order")
def create_block(order_id: str, body: PhoneNumberBlockCreate,
                 caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db)) -> responses.OneBlock:
    activation = [(r.start_at, r.end_at) for r in body.activation_ranges]
    with db.writing() as session:
        row = range_service.create_block(
            session, _user_order(session, caller, order_id),
            (body.phone_number_range.start_at, body.phone_number_range.end_at), activation,
            utcnow())
        return responses.OneBlock(data=resources.block(row))


def block_list(request: Request, db: Database, order_id: str, organization_id: str | None
               ) -> responses.BlockList:
    query = Query(request.query_params)
    statuses = (query.choices("filter[status]", STATUS_VALUES)
                + query.choices("filter[status][in][]", STATUS_VALUES))
    numbers = _all(query, "filter[phone_number]", "filter[phone_number][in][]", max_length=16)
    filters = BlockFilters(
        porting_order_ids=_all(query, "filter[porting_order_id]",
                               "filter[porting_order_id][in][]"),
        support_keys=_all(query, "filter[support_key]", "filter[support_key][eq]",
                          "filter[support_key][in][]"),
        statuses=tuple(statuses),
        phone_number_values=tuple(_number_value(n, "filter[phone_number]") for n in numbers),
        activation_status=query.choice("filter[activation_status]", ACTIVATION_STATUSES),
        portability_status=query.choice("filter[portability_status]", PORTABILITY_STATUSES))
    sort, page = _sort(query), query.page()
    with db.reading() as session:
        order = order_service.require_order(session, order_id, organization_id)
        result = range_store.list_blocks(session, order.id, filters, sort, page)
        return responses.BlockList(data=[resources.block(r) for r in result.items],
                                   meta=result.meta())


@router.get("/porting_orders/{order_id}/phone_number_blocks",
            summary="List an order's phone number blocks",
            openapi_extra=parameter_docs(BLOCK_FILTER_DOCS))
def list_blocks(order_id: str, request: Request, caller: Caller = Depends(user_caller),
                db: Database = Depends(get_db)) -> responses.BlockList:
    return block_list(request, db, order_id, org_id(caller))


@router.delete("/porting_orders/{order_id}/phone_number_blocks/{block_id}",
               summary="Remove a phone number block (answers the removed block)")
def delete_block(order_id: str, block_id: str, caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db)) -> responses.OneBlock:
    with db.writing() as session:
        order = _user_order(session, caller, order_id)
        row = range_service.require_range(session, PortingPhoneNumberBlock, order, block_id,
                                          "phone number block")
        answer = responses.OneBlock(data=resources.block(row))
        range_service.delete_range(session, order, row, utcnow())
        return answer


# -- phone number extensions ----------------------------------------------------------------
@router.post("/porting_orders/{order_id}/phone_number_extensions", status_code=201,
             summary="Add an extension range to a number of an order")
def create_extension(order_id: str, body: PhoneNumberExtensionCreate,
                     caller: Caller = Depends(user_caller),
                     db: Database = Depends(get_db)) -> responses.OneExtension:
    activation = [(r.start_at, r.end_at) for r in body.activation_ranges]
    with db.writing() as session:
        row = range_service.create_extension(
            session, _user_order(session, caller, order_id), body.porting_phone_number_id,
            (body.extension_range.start_at, body.extension_range.end_at), activation, utcnow())
        return responses.OneExtension(data=resources.extension(row))


def extension_list(request: Request, db: Database, order_id: str,
                   organization_id: str | None) -> responses.ExtensionList:
    query = Query(request.query_params)
    number_id = query.text("filter[porting_phone_number_id]", 64)
    sort, page = _sort(query), query.page()
    with db.reading() as session:
        order = order_service.require_order(session, order_id, organization_id)
        result = range_store.list_extensions(session, order.id, number_id, sort, page)
        return responses.ExtensionList(data=[resources.extension(r) for r in result.items],
                                       meta=result.meta())


@router.get("/porting_orders/{order_id}/phone_number_extensions",
            summary="List an order's extension ranges",
            openapi_extra=parameter_docs(EXTENSION_FILTER_DOCS))
def list_extensions(order_id: str, request: Request, caller: Caller = Depends(user_caller),
                    db: Database = Depends(get_db)) -> responses.ExtensionList:
    return extension_list(request, db, order_id, org_id(caller))


@router.delete("/porting_orders/{order_id}/phone_number_extensions/{extension_id}",
               summary="Remove an extension range (answers the removed range)")
def delete_extension(order_id: str, extension_id: str, caller: Caller = Depends(user_caller),
                     db: Database = Depends(get_db)) -> responses.OneExtension:
    with db.writing() as session:
        order = _user_order(session, caller, order_id)
        row = range_service.require_range(session, PortingPhoneNumberExtension, order,
                                          extension_id, "phone number extension")
        answer = responses.OneExtension(data=resources.extension(row))
        range_service.delete_range(session, order, row, utcnow())
        return answer


# -- associated phone numbers ---------------------------------------------------------------
@router.post("/porting_orders/{order_id}/associated_phone_numbers", status_code=201,
             summary="Name numbers of the account to keep or disconnect (partial UK ports)")
def create_associated(order_id: str, body: AssociatedPhoneNumberCreate,
                      caller: Caller = Depends(user_caller),
                      db: Database = Depends(get_db)) -> responses.OneAssociated:
    with db.writing() as session:
        row = range_service.create_associated(
            session, _user_order(session, caller, order_id), body.action,
            (body.phone_number_range.start_at, body.phone_number_range.end_at), utcnow())
        return responses.OneAssociated(data=resources.associated(row))


def associated_list(request: Request, db: Database, order_id: str,
                    organization_id: str | None) -> responses.AssociatedList:
    query = Query(request.query_params)
    raw = query.text("filter[phone_number]", 16)
    number = None if raw is None else _number_value(raw, "filter[phone_number]")
    action = query.choice("filter[action]", ["keep", "disconnect"])
    sort, page = _sort(query), query.page()
    with db.reading() as session:
        order = order_service.require_order(session, order_id, organization_id)
        result = range_store.list_associated(session, order.id, number, action, sort, page)
        return responses.AssociatedList(data=[resources.associated(r) for r in result.items],
                                        meta=result.meta())


@router.get("/porting_orders/{order_id}/associated_phone_numbers",
            summary="List an order's associated phone numbers",
            openapi_extra=parameter_docs(ASSOCIATED_FILTER_DOCS))
def list_associated(order_id: str, request: Request, caller: Caller = Depends(user_caller),
                    db: Database = Depends(get_db)) -> responses.AssociatedList:
    return associated_list(request, db, order_id, org_id(caller))


@router.delete("/porting_orders/{order_id}/associated_phone_numbers/{associated_id}",
               summary="Remove an associated phone number (answers the removed one)")
def delete_associated(order_id: str, associated_id: str,
                      caller: Caller = Depends(user_caller),
                      db: Database = Depends(get_db)) -> responses.OneAssociated:
    with db.writing() as session:
        order = _user_order(session, caller, order_id)
        row = range_service.require_range(session, PortingAssociatedPhoneNumber, order,
                                          associated_id, "associated phone number")
        answer = responses.OneAssociated(data=resources.associated(row))
        range_service.delete_range(session, order, row, utcnow())
        return answer


# -- the porting desk -----------------------------------------------------------------------
@operator_router.get("/porting_orders/{order_id}/phone_number_blocks",
                     summary="List any order's phone number blocks",
                     openapi_extra=parameter_docs(BLOCK_FILTER_DOCS))
def operator_blocks(order_id: str, request: Request, db: Database = Depends(get_db)
                    ) -> responses.BlockList:
    return block_list(request, db, order_id, None)


@operator_router.get("/porting_orders/{order_id}/phone_number_extensions",
                     summary="List any order's extension ranges",
                     openapi_extra=parameter_docs(EXTENSION_FILTER_DOCS))
def operator_extensions(order_id: str, request: Request, db: Database = Depends(get_db)
                        ) -> responses.ExtensionList:
    return extension_list(request, db, order_id, None)


@operator_router.get("/porting_orders/{order_id}/associated_phone_numbers",
                     summary="List any order's associated phone numbers",
                     openapi_extra=parameter_docs(ASSOCIATED_FILTER_DOCS))
def operator_associated(order_id: str, request: Request, db: Database = Depends(get_db)
                        ) -> responses.AssociatedList:
    return associated_list(request, db, order_id, None)
