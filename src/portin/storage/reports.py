"""Queries over porting_reports, and the pages of orders a report exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, Select, and_, or_, select, update
from sqlalchemy.orm import Session

from portin.domain.reports import ExportFilters, ReportStatus
from portin.storage.models import PortingOrder, PortingReport
from portin.storage.paging import Page, PageRequest, count_rows


@dataclass(frozen=True)
class ReportFilters:
    organization_id: str
    report_type: str | None = None
    status: str | None = None


def get_report(session: Session, report_id: str, organization_id: str) -> PortingReport | None:
    row: PortingReport | None = session.execute(
        select(PortingReport).where(PortingReport.id == report_id,
                                    PortingReport.organization_id == organization_id)
    ).scalar_one_or_none()
    return row


def list_reports(session: Session, filters: ReportFilters, page: PageRequest
                 ) -> Page[PortingReport]:
    """Newest first."""
    stmt: Select[PortingReport] = select(PortingReport).where(
        PortingReport.organization_id == filters.organization_id)
    if filters.report_type is not None:
        stmt = stmt.where(PortingReport.report_type == filters.report_type)
    if filters.status is not None:
        stmt = stmt.where(PortingReport.status == filters.status)
    total = count_rows(session, stmt)
    items = session.execute(
        stmt.order_by(PortingReport.created_at.desc(), PortingReport.id.desc())
        .offset(page.offset).limit(page.size)).scalars().all()
    return Page(items=list(items), total=total, request=page)


def pending_ids(session: Session, limit: int) -> list[str]:
    """Reports waiting to be built, oldest first (every organization)."""
    return list(session.execute(
        select(PortingReport.id).where(PortingReport.status == str(ReportStatus.PENDING))
        .order_by(PortingReport.created_at, PortingReport.id).limit(limit)).scalars())


def mark_completed(session: Session, report_id: str, now: datetime) -> bool:
    """Move a pending report to completed; False when it is not pending any more (another
    worker built it: on PostgreSQL this waits for that worker's row lock, then matches
    nothing)."""
    result = session.execute(
        update(PortingReport)
        .where(PortingReport.id == report_id,
               PortingReport.status == str(ReportStatus.PENDING))
        .values(status=str(ReportStatus.COMPLETED), updated_at=now)
        .execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def export_page(session: Session, organization_id: str, filters: ExportFilters,
                after: tuple[datetime, str] | None, size: int) -> list[PortingOrder]:
    """The next `size` live orders of the organization matching the filters, oldest first,
    after the (created_at, id) of the last order of the previous page."""
    stmt = select(PortingOrder).where(PortingOrder.organization_id == organization_id,
                                      PortingOrder.deleted_at.is_(None))
    if filters.created_at_gt is not None:
        stmt = stmt.where(PortingOrder.created_at > filters.created_at_gt)
    if filters.created_at_lt is not None:
        stmt = stmt.where(PortingOrder.created_at < filters.created_at_lt)
    if filters.customer_reference_in is not None:
        stmt = stmt.where(PortingOrder.customer_reference.in_(filters.customer_reference_in))
    if filters.status_in is not None:
        stmt = stmt.where(PortingOrder.status.in_(filters.status_in))
    if after is not None:
        # Spelled out rather than as a row value, so each bound is bound with its column's type.
        created_at, order_id = after
        stmt = stmt.where(or_(PortingOrder.created_at > created_at,
                              and_(PortingOrder.created_at == created_at,
                                   PortingOrder.id > order_id)))
    return list(session.execute(
        stmt.order_by(PortingOrder.created_at, PortingOrder.id).limit(size)).scalars())
