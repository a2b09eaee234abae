"""Queries over porting orders, their phone numbers and their comments."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Row,
    Select,
    Table,
    bindparam,
    exists,
    func,
    select,
)
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
    return exists().where(_numbers.c.porting_order_id == _orders.c.id, *conditions)


# The filters compared for equality, by OrderFilters field and column.
_EQUAL = ("customer_reference", "customer_group_reference", "parent_support_key",
          "support_key", "misc_type", "entity_name", "auth_person_name", "fast_port_eligible")
_SORTS: dict[str, tuple[Any, Any]] = {
    "created_at": (_orders.c.created_at.asc(), _orders.c.id.asc()),
    "-created_at": (_orders.c.created_at.desc(), _orders.c.id.desc()),
    "activation_settings.foc_datetime_requested": (
        _orders.c.foc_datetime_requested.asc(), _orders.c.id.asc()),
    "-activation_settings.foc_datetime_requested": (
        _orders.c.foc_datetime_requested.desc(), _orders.c.id.desc()),
}
ORDER_SORTS = tuple(_SORTS)
_LIKE_ESCAPE = "/"


def _containing(term: str) -> str:
    """A LIKE pattern for text containing `term` literally (its % and _ escaped)."""
    escaped = (term.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", _LIKE_ESCAPE + "%")
               .replace("_", _LIKE_ESCAPE + "_"))
    return f"%{escaped}%"


def _filter_values(filters: OrderFilters) -> dict[str, Any]:
    """The bound values of a list's statements: the filters given, by name."""
    values: dict[str, Any] = {}
    if filters.organization_id is not None:
        values["organization_id"] = filters.organization_id
    if filters.statuses:
        values["statuses"] = list(filters.statuses)
    for name in (*_EQUAL, "foc_requested_gt", "foc_requested_lt", "country_code"):
        if getattr(filters, name) is not None:
            values[name] = getattr(filters, name)
    if filters.carrier_name is not None:
        values["carrier_name"] = True
    if filters.phone_number_contains is not None:
        values["phone_number_contains"] = _containing(filters.phone_number_contains)
    if filters.search and filters.search.strip():
        values["search"] = _containing(filters.search.strip())
        values["search_exact"] = filters.search.strip()
    return values


@dataclass(frozen=True)
class _ListStatements:
    count: Select[Any]
    page: Select[Any]


# At most this many shapes (which filters are given, and the sort) are kept built.
_SHAPES_KEPT = 64


@functools.lru_cache(maxsize=_SHAPES_KEPT)
def _list_statements(given: frozenset[str], sort: str) -> _ListStatements:
    """The count and page statements of a list with these filters `given` (names from
    `_filter_values`), their values bound by name: built once per shape, since building one
    costs more than running it on SQLite."""
    o, n = _orders.c, _numbers.c
    stmt = select(_orders).where(o.deleted_at.is_(None))
    if "organization_id" in given:
        stmt = stmt.where(o.organization_id == bindparam("organization_id"))
    if "statuses" in given:
        stmt = stmt.where(o.status.in_(bindparam("statuses", expanding=True)))
    for name in _EQUAL:
        if name in given:
            stmt = stmt.where(o[name] == bindparam(name))
    if "foc_requested_gt" in given:
        stmt = stmt.where(o.foc_datetime_requested > bindparam("foc_requested_gt"))
    if "foc_requested_lt" in given:
        stmt = stmt.where(o.foc_datetime_requested < bindparam("foc_requested_lt"))
    if "country_code" in given:
        stmt = stmt.where(_numbers_match(n.country_code == bindparam("country_code")))
    if "carrier_name" in given:
        # portin does not look carriers up, so no number has a carrier name to match.
        stmt = stmt.where(_numbers_match(n.id.is_(None)))
    if "phone_number_contains" in given:
        stmt = stmt.where(_numbers_match(n.phone_number.like(
            bindparam("phone_number_contains"), escape=_LIKE_ESCAPE)))
    if "search" in given:
        stmt = stmt.where(
            o.customer_reference.like(bindparam("search"), escape=_LIKE_ESCAPE)
            | (o.support_key == bindparam("search_exact"))
            | _numbers_match(n.phone_number.like(bindparam("search"), escape=_LIKE_ESCAPE)))
    return _ListStatements(
        count=select(func.count()).select_from(stmt.subquery()),
        page=(stmt.order_by(*_SORTS[sort]).limit(bindparam("size", type_=BigInteger()))
              .offset(bindparam("offset", type_=BigInteger()))))


def list_orders(session: Session, filters: OrderFilters, page: PageRequest
                ) -> Page[Row[Any]]:
    """A page of orders, as rows for display (see storage/reads.py)."""
    values = _filter_values(filters)
    statements = _list_statements(frozenset(values), filters.sort)
    total = int(read_rows(session, statements.count, values)[0][0])
    found = read_rows(session, statements.page,
                      values | {"size": page.size, "offset": page.offset})
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


def order_ids_named(organization_id: str | BindParameter[Any],
                    id_or_reference: str | BindParameter[Any]) -> Select[Any]:
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
