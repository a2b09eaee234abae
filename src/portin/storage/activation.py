"""Queries of FOC windows and activation: the lead-time and holiday tables, activation jobs,
and the confirmed orders the scheduler may port."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portin.storage.models import (
    ActivationJob,
    FocHoliday,
    FocLeadTime,
    PortingOrder,
    PortingPhoneNumber,
)
from portin.storage.paging import Page, PageRequest, count_rows


def number_facts(session: Session, order_id: str) -> list[tuple[str, str | None, str]]:
    """(phone_number, country_code, phone_number_type) of each number on an order: the three
    columns the FOC rule reads, as plain rows (an order may hold a thousand numbers)."""
    rows = session.execute(
        select(PortingPhoneNumber.phone_number, PortingPhoneNumber.country_code,
               PortingPhoneNumber.phone_number_type)
        .where(PortingPhoneNumber.porting_order_id == order_id)).all()
    return [(number, country, kind) for number, country, kind in rows]


def lead_times(session: Session) -> list[FocLeadTime]:
    return list(session.execute(
        select(FocLeadTime).order_by(FocLeadTime.country_code, FocLeadTime.phone_number_type)
    ).scalars())


def get_lead_time(session: Session, country_code: str, phone_number_type: str
                  ) -> FocLeadTime | None:
    return session.get(FocLeadTime, (country_code, phone_number_type))


def holiday_changes(session: Session, countries: Sequence[str] | None = None
                    ) -> list[FocHoliday]:
    """The operator's holiday changes, of some countries or (None) of all."""
    stmt = select(FocHoliday).order_by(FocHoliday.day, FocHoliday.country_code)
    if countries is not None:
        stmt = stmt.where(FocHoliday.country_code.in_(countries))
    return list(session.execute(stmt).scalars())


def get_holiday(session: Session, holiday_id: str) -> FocHoliday | None:
    return session.get(FocHoliday, holiday_id)


def holiday_on(session: Session, country_code: str, day: date) -> FocHoliday | None:
    return session.execute(select(FocHoliday).where(
        FocHoliday.country_code == country_code, FocHoliday.day == day)).scalar_one_or_none()


def get_job(session: Session, order_id: str, job_id: str) -> ActivationJob | None:
    """A job of one order; the caller has already scoped the order to its organization."""
    return session.execute(select(ActivationJob).where(
        ActivationJob.id == job_id, ActivationJob.porting_order_id == order_id)
    ).scalar_one_or_none()


def live_job(session: Session, order_id: str, statuses: Sequence[str]) -> ActivationJob | None:
    return session.execute(select(ActivationJob).where(
        ActivationJob.porting_order_id == order_id, ActivationJob.status.in_(statuses))
    ).scalars().first()


def list_jobs(session: Session, order_id: str, page: PageRequest) -> Page[ActivationJob]:
    stmt = select(ActivationJob).where(ActivationJob.porting_order_id == order_id)
    total = count_rows(session, stmt)
    rows = session.execute(
        stmt.order_by(ActivationJob.created_at.desc(), ActivationJob.id.desc())
        .limit(page.size).offset(page.offset)).scalars().all()
    return Page(list(rows), total, page)


def lock_order(session: Session, order_id: str) -> None:
    """Hold the order's row until the transaction ends (PostgreSQL; SQLite's write
    transaction is exclusive already), so concurrent activations of it take turns."""
    session.execute(select(PortingOrder.id).where(PortingOrder.id == order_id)
                    .with_for_update())


def confirmed_with_foc_before(session: Session, before: datetime, limit: int) -> list[str]:
    """foc-date-confirmed orders whose confirmed FOC date is before `before`, oldest first."""
    return list(session.execute(
        select(PortingOrder.id)
        .where(PortingOrder.status == "foc-date-confirmed", PortingOrder.deleted_at.is_(None),
               PortingOrder.foc_datetime_actual < before)
        .order_by(PortingOrder.foc_datetime_actual).limit(limit)).scalars())
