"""Queries over the phone numbers of all of an organization's live orders."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portin.storage.models import PortingOrder, PortingPhoneNumber
from portin.storage.paging import Page, PageRequest, count_rows


@dataclass(frozen=True)
class NumberFilters:
    organization_id: str
    porting_order_id: str | None = None
    porting_order_status: str | None = None
    phone_number: str | None = None


def list_numbers(session: Session, filters: NumberFilters, page: PageRequest
                 ) -> Page[tuple[PortingPhoneNumber, PortingOrder]]:
    stmt = (select(PortingPhoneNumber, PortingOrder)
            .join(PortingOrder, PortingOrder.id == PortingPhoneNumber.porting_order_id)
            .where(PortingPhoneNumber.organization_id == filters.organization_id,
                   PortingOrder.deleted_at.is_(None)))
    if filters.porting_order_id is not None:
        stmt = stmt.where(PortingPhoneNumber.porting_order_id == filters.porting_order_id)
    if filters.porting_order_status is not None:
        stmt = stmt.where(PortingOrder.status == filters.porting_order_status)
    if filters.phone_number is not None:
        stmt = stmt.where(PortingPhoneNumber.phone_number == filters.phone_number)
    total = count_rows(session, stmt)  # type: ignore[arg-type]
    rows = session.execute(
        stmt.order_by(PortingPhoneNumber.created_at.desc(), PortingPhoneNumber.id)
        .limit(page.size).offset(page.offset)
    ).all()
    return Page(list(rows), total, page)
