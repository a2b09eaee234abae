"""Queries over porting_verification_codes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import cast

from sqlalchemy import Table, bindparam, exists, select
from sqlalchemy.orm import Session

from portin.storage.models import PortingPhoneNumber, PortingVerificationCode
from portin.storage.paging import Page, PageRequest, count_rows
from portin.storage.reads import rows as read_rows

_SORTS = {
    "created_at": (PortingVerificationCode.created_at.asc(), PortingVerificationCode.id.asc()),
    "-created_at": (PortingVerificationCode.created_at.desc(),
                    PortingVerificationCode.id.desc()),
}
CODE_SORTS = tuple(_SORTS)


def codes_by_number(session: Session, order_id: str, organization_id: str
                    ) -> dict[str, PortingVerificationCode]:
    rows = session.execute(
        select(PortingVerificationCode).where(
            PortingVerificationCode.organization_id == organization_id,
            PortingVerificationCode.porting_order_id == order_id)
    ).scalars().all()
    return {row.phone_number: row for row in rows}


def list_codes(session: Session, order_id: str, organization_id: str, page: PageRequest,
               verified: bool | None = None, sort: str = "-created_at"
               ) -> Page[PortingVerificationCode]:
    stmt = select(PortingVerificationCode).where(
        PortingVerificationCode.organization_id == organization_id,
        PortingVerificationCode.porting_order_id == order_id)
    if verified is not None:
        stmt = stmt.where(PortingVerificationCode.verified == verified)
    total = count_rows(session, stmt)
    rows = session.execute(
        stmt.order_by(*_SORTS[sort]).limit(page.size).offset(page.offset)).scalars().all()
    return Page(list(rows), total, page)


_numbers = cast(Table, PortingPhoneNumber.__table__)
_codes = cast(Table, PortingVerificationCode.__table__)
_AWAITING_CODES = (
    select(_numbers.c.porting_order_id).distinct()
    .where(_numbers.c.porting_order_id.in_(bindparam("order_ids", expanding=True)),
           _numbers.c.phone_number_type.in_(bindparam("types", expanding=True)),
           ~exists().where(_codes.c.porting_order_id == _numbers.c.porting_order_id,
                           _codes.c.phone_number == _numbers.c.phone_number,
                           _codes.c.verified.is_(True))))


def orders_awaiting_codes(session: Session, order_ids: Sequence[str],
                          types_needing_codes: Collection[str]) -> set[str]:
    """Which of these orders hold a number of those types whose code is not verified yet."""
    if not order_ids:
        return set()
    return {row.porting_order_id for row in read_rows(
        session, _AWAITING_CODES, {"order_ids": list(order_ids),
                                   "types": list(types_needing_codes)})}
