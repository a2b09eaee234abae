"""Queries over porting orders, their phone numbers and their comments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Select, Table, bindparam, exists, func, select
from sqlalchemy.orm import Session

from portin.storage.models import PortingComment, PortingOrder, PortingPhoneNumber
from portin.storage.paging import Page, PageRequest, count_rows
from portin.storage.reads import rows as read_rows

_orders = cast(Table, PortingOrder.__table__)
_numbers = cast(Table, PortingPhoneNumber.__table__)


@dataclass(frozen=True)
class OrderFilters:
    """The list filters of GET /v2/porting_orders, already parsed and validated."""

    organization_id: str | None = None  # None only for the operator, who sees every org
    statuses: tuple[str, ...] = ()
    customer_reference: str | None = None
    customer_group_reference: str | None = None
    parent_support_key: str | None = None
    support_key: str | None = None
    country_code: str | None = None
    carrier_name: str | None = None
    phone_number_contains: str | None = None
    misc_type: str | None = None
    entity_name: str | None = None
    auth_person_name: str | None = None
    fast_port_eligible: bool | None = None
    foc_requested_gt: datetime | None = None
    foc_requested_lt: datetime | None = None
    # Free text for the portal: customer reference, support key or phone number.
    search: str | None = None
    sort: str = "-created_at"


def get_order(session: Session, order_id: str, organization_id: str | None) -> PortingOrder | None:
    """A live (not deleted) order; scoped to one organization unless organization_id is None."""
    stmt = select(PortingOrder).where(PortingOrder.id == order_id,
                                      PortingOrder.deleted_at.is_(None))
    if organization_id is not None:
        stmt = stmt.where(PortingOrder.organization_id == organization_id)
    return session.execute(stmt).scalar_one_or_none()


# The API's reads of one order, as rows (see storage/reads.py), built once.
_LIVE_ORDER = select(_orders).where(_orders.c.id == bindparam("order_id"),
                                    _orders.c.deleted_at.is_(None))
_LIVE_ORDER_OF = _LIVE_ORDER.where(_orders.c.organization_id == bindparam("organization_id"))


def read_order(session: Session, order_id: str, organization_id: str | None
               ) -> Row[Any] | None:
    """`get_order` for display: a row of the order's columns, not an ORM object."""
    if organization_id is None:
        found = read_rows(session, _LIVE_ORDER, {"order_id": order_id})
    else:
        found = read_rows(session, _LIVE_ORDER_OF,
                          {"order_id": order_id, "organization_id": organization_id})
    return found[0] if found else None


def _numbers_match(*conditions: Any) -> Any:
    return exists().where(PortingPhoneNumber.porting_order_id == PortingOrder.id, *conditions)


def _filtered(filters: OrderFilters) -> Select[Any]:
    stmt = select(_orders).where(PortingOrder.deleted_at.is_(None))
    if filters.organization_id is not None:
        stmt = stmt.where(PortingOrder.organization_id == filters.organization_id)
    if filters.statuses:
        stmt = stmt.where(PortingOrder.status.in_(filters.statuses))
    equal = {
        PortingOrder.customer_reference: filters.customer_reference,
        PortingOrder.customer_group_reference: filters.customer_group_reference,
        PortingOrder.parent_support_key: filters.parent_support_key,
        PortingOrder.support_key: filters.support_key,
        PortingOrder.misc_type: filters.misc_type,
        PortingOrder.entity_name: filters.entity_name,
        PortingOrder.auth_person_name: filters.auth_person_name,
        PortingOrder.fast_port_eligible: filters.fast_port_eligible,
    }
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.foc_requested_gt is not None:
        stmt = stmt.where(PortingOrder.foc_datetime_requested > filters.foc_requested_gt)
    if filters.foc_requested_lt is not None:
        stmt = stmt.where(PortingOrder.foc_datetime_requested < filters.foc_requested_lt)
    if filters.country_code is not None:
        stmt = stmt.where(_numbers_match(PortingPhoneNumber.country_code == filters.country_code))
    if filters.carrier_name is not None:
        # portin does not look carriers up, so no number has a carrier name to match.
        stmt = stmt.where(_numbers_match(PortingPhoneNumber.id.is_(None)))
    if filters.phone_number_contains is not None:
        stmt = stmt.where(_numbers_match(
            PortingPhoneNumber.phone_number.contains(filters.phone_number_contains,
                                                     autoescape=True)))
    if filters.search:
        term = filters.search.strip()
        stmt = stmt.where(
            PortingOrder.customer_reference.contains(term, autoescape=True)
            | (PortingOrder.support_key == term)
            | _numbers_match(PortingPhoneNumber.phone_number.contains(term, autoescape=True))
        )
    return stmt


_SORTS: dict[str, tuple[Any, Any]] = {
    "created_at": (PortingOrder.created_at.asc(), PortingOrder.id.asc()),
    "-created_at": (PortingOrder.created_at.desc(), PortingOrder.id.desc()),
    "activation_settings.foc_datetime_requested": (
        PortingOrder.foc_datetime_requested.asc(), PortingOrder.id.asc()),
    "-activation_settings.foc_datetime_requested": (
        PortingOrder.foc_datetime_requested.desc(), PortingOrder.id.desc()),
}
ORDER_SORTS = tuple(_SORTS)


def list_orders(session: Session, filters: OrderFilters, page: PageRequest
                ) -> Page[Row[Any]]:
    """A page of orders, as rows for display (see storage/reads.py)."""
    stmt = _filtered(filters)
    total = count_rows(session, stmt)
    found = read_rows(session, stmt.order_by(*_SORTS[filters.sort]).limit(page.size)
                      .offset(page.offset))
    return Page(list(found), total, page)


def count_by_status(session: Session, organization_id: str) -> dict[str, int]:
    rows = session.execute(
        select(PortingOrder.status, func.count())
        .where(PortingOrder.organization_id == organization_id, PortingOrder.deleted_at.is_(None))
        .group_by(PortingOrder.status)
    ).all()
    return {status: int(count) for status, count in rows}


def numbers_of(session: Session, order_ids: Sequence[str], limit_per_order: int | None = None
               ) -> dict[str, list[PortingPhoneNumber]]:
    """Phone numbers of several orders in one query, in the order they were added."""
    if not order_ids:
        return {}
    rows = session.execute(
        select(PortingPhoneNumber)
        .where(PortingPhoneNumber.porting_order_id.in_(order_ids))
        .order_by(PortingPhoneNumber.created_at, PortingPhoneNumber.phone_number)
    ).scalars().all()
    grouped: dict[str, list[PortingPhoneNumber]] = {order_id: [] for order_id in order_ids}
    for number in rows:
        bucket = grouped[number.porting_order_id]
        if limit_per_order is None or len(bucket) < limit_per_order:
            bucket.append(number)
    return grouped


# In the order they were added; a list parameter expands to the ids given.
_NUMBERS_SHOWN = (select(_numbers)
                  .where(_numbers.c.porting_order_id.in_(bindparam("order_ids", expanding=True)))
                  .order_by(_numbers.c.created_at, _numbers.c.phone_number))
_NUMBER_COUNTS = (select(_numbers.c.porting_order_id, func.count().label("numbers"))
                  .where(_numbers.c.porting_order_id.in_(bindparam("order_ids", expanding=True)))
                  .group_by(_numbers.c.porting_order_id))


def numbers_shown(session: Session, order_ids: Sequence[str], limit_per_order: int
                  ) -> dict[str, list[Row[Any]]]:
    """`numbers_of` for display: each order's first numbers, as rows (storage/reads.py)."""
    grouped: dict[str, list[Row[Any]]] = {order_id: [] for order_id in order_ids}
    if not order_ids:
        return grouped
    for number in read_rows(session, _NUMBERS_SHOWN, {"order_ids": list(order_ids)}):
        bucket = grouped[number.porting_order_id]
        if len(bucket) < limit_per_order:
            bucket.append(number)
    return grouped


def count_numbers(session: Session, order_ids: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(order_ids, 0)
    if order_ids:
        counts.update({row.porting_order_id: int(row.numbers) for row in read_rows(
            session, _NUMBER_COUNTS, {"order_ids": list(order_ids)})})
    return counts


_HOLDERS = (select(_numbers.c.phone_number, _orders.c.id)
            .join(_orders, _orders.c.id == _numbers.c.porting_order_id)
            .where(_numbers.c.organization_id == bindparam("organization_id"),
                   _numbers.c.phone_number.in_(bindparam("numbers", expanding=True)),
                   _orders.c.deleted_at.is_(None),
                   _orders.c.status.not_in(bindparam("terminal", expanding=True))))


def active_orders_holding(session: Session, organization_id: str, numbers: Sequence[str],
                          terminal: Sequence[str]) -> dict[str, str]:
    """Which of `numbers` already sit on a live, unfinished order of the organization."""
    if not numbers:
        return {}
    found = read_rows(session, _HOLDERS, {"organization_id": organization_id,
                                          "numbers": list(numbers), "terminal": list(terminal)})
    return {row.phone_number: row.id for row in found}


def list_comments(session: Session, order_id: str, page: PageRequest) -> Page[PortingComment]:
    stmt = select(PortingComment).where(PortingComment.porting_order_id == order_id)
    total = count_rows(session, stmt)
    rows = session.execute(
        stmt.order_by(PortingComment.created_at.desc(), PortingComment.id.desc())
        .limit(page.size).offset(page.offset)
    ).scalars().all()
    return Page(list(rows), total, page)


def expired_draft_ids(session: Session, created_before: datetime, limit: int) -> list[str]:
    rows = session.execute(
        select(PortingOrder.id)
        .where(PortingOrder.status == "draft", PortingOrder.deleted_at.is_(None),
               PortingOrder.created_at < created_before)
        .order_by(PortingOrder.created_at)
        .limit(limit)
    ).scalars().all()
    return list(rows)


def order_ids_named(organization_id: str, id_or_reference: str) -> Select[Any]:
    """The ids of the organization's orders with this id or this customer reference, as a
    subquery for lists that take either in one box (the portal's "Order")."""
    return select(PortingOrder.id).where(
        PortingOrder.organization_id == organization_id,
        (PortingOrder.id == id_or_reference)
        | (PortingOrder.customer_reference == id_or_reference))


def customer_references(session: Session, order_ids: Sequence[str]) -> dict[str, str | None]:
    """Each order's customer reference, for lists that show orders by it."""
    if not order_ids:
        return {}
    return {row.id: row.customer_reference for row in session.execute(
        select(PortingOrder.id, PortingOrder.customer_reference)
        .where(PortingOrder.id.in_(list(set(order_ids)))))}
