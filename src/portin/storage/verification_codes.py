"""Queries over porting_verification_codes."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portin.storage.models import PortingPhoneNumber, PortingVerificationCode
from portin.storage.paging import Page, PageRequest, count_rows

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


def orders_awaiting_codes(session: Session, order_ids: Sequence[str],
                          types_needing_codes: Collection[str]) -> set[str]:
    """Which of these orders hold a number of those types whose code is not verified yet."""
    if not order_ids:
        return set()
    verified = exists().where(
        PortingVerificationCode.porting_order_id == PortingPhoneNumber.porting_order_id,
        PortingVerificationCode.phone_number == PortingPhoneNumber.phone_number,
        PortingVerificationCode.verified.is_(True))
    rows = session.execute(
        select(PortingPhoneNumber.porting_order_id).distinct()
        .where(PortingPhoneNumber.porting_order_id.in_(order_ids),
               PortingPhoneNumber.phone_number_type.in_(list(types_needing_codes)),
               ~verified)
    ).scalars().all()
    return set(rows)
