"""Queries over an order's number ranges (blocks, extensions, associated numbers) and the
number configurations. Scoping: a user's query passes its organization; the desk passes None."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from portin.storage.models import (
    PortingAssociatedPhoneNumber,
    PortingOrder,
    PortingPhoneNumber,
    PortingPhoneNumberBlock,
    PortingPhoneNumberConfiguration,
    PortingPhoneNumberExtension,
)
from portin.storage.paging import Page, PageRequest, count_rows

Row = TypeVar("Row", PortingPhoneNumberBlock, PortingPhoneNumberExtension,
              PortingAssociatedPhoneNumber)


@dataclass(frozen=True)
class BlockFilters:
    porting_order_ids: tuple[str, ...] = ()
    support_keys: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    # Digits of numbers (as integers) a block's range must hold one of.
    phone_number_values: tuple[int, ...] = ()
    activation_status: str | None = None
    portability_status: str | None = None


@dataclass(frozen=True)
class ConfigurationFilters:
    organization_id: str
    order_statuses: tuple[str, ...] = ()
    porting_phone_number_ids: tuple[str, ...] = ()
    user_bundle_ids: tuple[str, ...] = ()


def _page(session: Session, stmt: Select[Any], created_at: Any, id_column: Any,
          sort: str, page: PageRequest) -> Page[Any]:
    total = count_rows(session, stmt)
    order = created_at.asc() if sort == "created_at" else created_at.desc()
    rows = session.execute(stmt.order_by(order, id_column).limit(page.size)
                           .offset(page.offset)).scalars().all()
    return Page(list(rows), total, page)


def get_range(session: Session, model: type[Row], order_id: str, row_id: str) -> Row | None:
    """One block, extension or associated number of an order (the order is already scoped)."""
    return session.execute(select(model).where(
        model.porting_order_id == order_id, model.id == row_id)).scalar_one_or_none()


def ranges_of(session: Session, model: type[Row], order_id: str) -> Sequence[Row]:
    return session.execute(select(model).where(model.porting_order_id == order_id)
                           .order_by(model.created_at, model.id)).scalars().all()


def list_blocks(session: Session, order_id: str, filters: BlockFilters, sort: str,
                page: PageRequest) -> Page[PortingPhoneNumberBlock]:
    block = PortingPhoneNumberBlock
    stmt = (select(block).join(PortingOrder, PortingOrder.id == block.porting_order_id)
            .where(block.porting_order_id == order_id))
    if filters.porting_order_ids:
        stmt = stmt.where(block.porting_order_id.in_(filters.porting_order_ids))
    if filters.support_keys:
        stmt = stmt.where(PortingOrder.support_key.in_(filters.support_keys))
    if filters.statuses:
        stmt = stmt.where(PortingOrder.status.in_(filters.statuses))
    if filters.phone_number_values:
        stmt = stmt.where(or_(*[(block.start_value <= value) & (block.end_value >= value)
                                for value in filters.phone_number_values]))
    number_conditions = []
    if filters.activation_status is not None:
        number_conditions.append(
            PortingPhoneNumber.activation_status == filters.activation_status)
    if filters.portability_status is not None:
        number_conditions.append(
            PortingPhoneNumber.portability_status == filters.portability_status)
    if number_conditions:
        # A number of the order inside the block's range (same length, so text order is
        # number order) has the status asked for.
        stmt = stmt.where(exists().where(
            PortingPhoneNumber.porting_order_id == block.porting_order_id,
            func.length(PortingPhoneNumber.phone_number) == func.length(block.start_at),
            PortingPhoneNumber.phone_number >= block.start_at,
            PortingPhoneNumber.phone_number <= block.end_at,
            *number_conditions))
    return _page(session, stmt, block.created_at, block.id, sort, page)


def extensions_of_numbers(session: Session, number_ids: Sequence[str]
                          ) -> Sequence[PortingPhoneNumberExtension]:
    ext = PortingPhoneNumberExtension
    return session.execute(select(ext).where(
        ext.porting_phone_number_id.in_(number_ids))).scalars().all()


def list_extensions(session: Session, order_id: str, porting_phone_number_id: str | None,
                    sort: str, page: PageRequest) -> Page[PortingPhoneNumberExtension]:
    ext = PortingPhoneNumberExtension
    stmt = select(ext).where(ext.porting_order_id == order_id)
    if porting_phone_number_id is not None:
        stmt = stmt.where(ext.porting_phone_number_id == porting_phone_number_id)
    return _page(session, stmt, ext.created_at, ext.id, sort, page)


def list_associated(session: Session, order_id: str, phone_number_value: int | None,
                    action: str | None, sort: str, page: PageRequest
                    ) -> Page[PortingAssociatedPhoneNumber]:
    assoc = PortingAssociatedPhoneNumber
    stmt = select(assoc).where(assoc.porting_order_id == order_id)
    if phone_number_value is not None:
        stmt = stmt.where(assoc.start_value <= phone_number_value,
                          assoc.end_value >= phone_number_value)
    if action is not None:
        stmt = stmt.where(assoc.action == action)
    return _page(session, stmt, assoc.created_at, assoc.id, sort, page)


def associated_counts(session: Session, order_ids: Sequence[str]) -> dict[str, int]:
    assoc = PortingAssociatedPhoneNumber
    rows = session.execute(select(assoc.porting_order_id, func.count())
                           .where(assoc.porting_order_id.in_(order_ids))
                           .group_by(assoc.porting_order_id)).all()
    return {order_id: int(count) for order_id, count in rows}


def countries_of(session: Session, order_ids: Sequence[str]) -> dict[str, set[str | None]]:
    """The countries of each order's numbers (every number, not only the first 50)."""
    rows = session.execute(select(PortingPhoneNumber.porting_order_id,
                                  PortingPhoneNumber.country_code)
                           .where(PortingPhoneNumber.porting_order_id.in_(order_ids))
                           .distinct()).all()
    result: dict[str, set[str | None]] = {}
    for order_id, country in rows:
        result.setdefault(order_id, set()).add(country)
    return result


def numbers_on_order(session: Session, order_id: str, numbers: Sequence[str]
                     ) -> dict[str, PortingPhoneNumber]:
    rows = session.execute(select(PortingPhoneNumber).where(
        PortingPhoneNumber.porting_order_id == order_id,
        PortingPhoneNumber.phone_number.in_(numbers))).scalars().all()
    return {row.phone_number: row for row in rows}


def order_numbers_between(session: Session, order_id: str, start_at: str, end_at: str
                          ) -> list[str]:
    """The order's numbers inside a range (its ends have one length: text order works)."""
    number = PortingPhoneNumber.phone_number
    return list(session.execute(select(number).where(
        PortingPhoneNumber.porting_order_id == order_id,
        func.length(number) == len(start_at), number >= start_at, number <= end_at)
        .order_by(number).limit(5)).scalars().all())


def live_number(session: Session, number_id: str, organization_id: str
                ) -> tuple[PortingPhoneNumber, PortingOrder] | None:
    """A porting number of one organization, on an order that is not deleted."""
    row = session.execute(
        select(PortingPhoneNumber, PortingOrder)
        .join(PortingOrder, PortingOrder.id == PortingPhoneNumber.porting_order_id)
        .where(PortingPhoneNumber.id == number_id,
               PortingPhoneNumber.organization_id == organization_id,
               PortingOrder.deleted_at.is_(None))).first()
    return None if row is None else (row[0], row[1])


def configured_number_ids(session: Session, number_ids: Sequence[str]) -> set[str]:
    conf = PortingPhoneNumberConfiguration
    return set(session.execute(select(conf.porting_phone_number_id).where(
        conf.porting_phone_number_id.in_(number_ids))).scalars().all())


def list_configurations(session: Session, filters: ConfigurationFilters, sort: str,
                        page: PageRequest) -> Page[PortingPhoneNumberConfiguration]:
    conf = PortingPhoneNumberConfiguration
    stmt = (select(conf)
            .join(PortingPhoneNumber, PortingPhoneNumber.id == conf.porting_phone_number_id)
            .join(PortingOrder, PortingOrder.id == PortingPhoneNumber.porting_order_id)
            .where(conf.organization_id == filters.organization_id,
                   PortingOrder.deleted_at.is_(None)))
    if filters.order_statuses:
        stmt = stmt.where(PortingOrder.status.in_(filters.order_statuses))
    if filters.porting_phone_number_ids:
        stmt = stmt.where(conf.porting_phone_number_id.in_(filters.porting_phone_number_ids))
    if filters.user_bundle_ids:
        stmt = stmt.where(conf.user_bundle_id.in_(filters.user_bundle_ids))
    return _page(session, stmt, conf.created_at, conf.id, sort, page)
