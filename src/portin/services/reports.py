"""Porting reports: asked for through the API (pending), built by the worker (completed).

The one kind, export_porting_orders_csv, is a CSV of the organization's orders that match
its filters (`domain.reports.EXPORT_COLUMNS`), stored as a document linked to the report
(linked_record_type "porting_report"), so it downloads like any other document.

Building reads the orders a page at a time inside one read transaction and writes the CSV to
a spooled temporary file (memory up to one chunk, disk beyond), then stores the file in one
write transaction: the write lock is held while the bytes are stored, not while they are
computed.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy.orm import Session

from portin.domain.errors import NotFound
from portin.domain.ids import new_id
from portin.domain.reports import (
    EXPORT_COLUMNS,
    ExportFilters,
    ReportStatus,
    ReportType,
    in_pieces,
    safe_row,
)
from portin.domain.timefmt import iso
from portin.services import documents
from portin.storage import orders as order_store
from portin.storage import reports as report_store
from portin.storage.db import Database
from portin.storage.models import PortingOrder, PortingReport

log = logging.getLogger(__name__)

LINKED_RECORD_TYPE = "porting_report"
LINK_PURPOSE = "export"
ORDERS_PER_PAGE = 200
BATCH = 20
# portin's own file, not an upload: bounded only so that a runaway export cannot fill a disk.
REPORT_MAX_BYTES = 1024 * 1024 * 1024


def create_report(session: Session, organization_id: str, report_type: ReportType,
                  filters: ExportFilters, now: datetime) -> PortingReport:
    report = PortingReport(
        id=new_id(), organization_id=organization_id, report_type=str(report_type),
        params={"filters": stored_filters(filters)}, status=str(ReportStatus.PENDING),
        document_id=None, created_at=now, updated_at=now)
    session.add(report)
    session.flush()
    return report


def stored_filters(filters: ExportFilters) -> dict[str, Any]:
    """The filters as kept (and answered): every key present, null when not asked for."""
    return {
        "created_at__gt": iso(filters.created_at_gt),
        "created_at__lt": iso(filters.created_at_lt),
        "customer_reference__in": (None if filters.customer_reference_in is None
                                   else list(filters.customer_reference_in)),
        "status__in": None if filters.status_in is None else list(filters.status_in),
    }


def _parsed_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def export_filters(report: PortingReport) -> ExportFilters:
    kept = report.params["filters"]
    references = kept.get("customer_reference__in")
    statuses = kept.get("status__in")
    return ExportFilters(
        created_at_gt=_parsed_time(kept.get("created_at__gt")),
        created_at_lt=_parsed_time(kept.get("created_at__lt")),
        customer_reference_in=None if references is None else tuple(references),
        status_in=None if statuses is None else tuple(statuses))


def require_report(session: Session, report_id: str, organization_id: str) -> PortingReport:
    report = report_store.get_report(session, report_id, organization_id)
    if report is None:
        raise NotFound(f"Porting report {report_id} was not found.")
    return report


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(safe_row(values))
    return buffer.getvalue()


def _cells(order: PortingOrder, numbers: list[str]) -> list[str]:
    def text(value: object) -> str:
        return "" if value is None else str(value)

    return [
        order.id, text(order.support_key), text(order.parent_support_key), order.status,
        ";".join(str(d.get("code", "")) for d in order.status_details or []),
        text(order.customer_reference), text(order.customer_group_reference),
        str(len(numbers)), ";".join(numbers), order.phone_number_type, text(order.misc_type),
        text(order.entity_name), text(iso(order.foc_datetime_requested)),
        text(iso(order.foc_datetime_actual)), "true" if order.fast_port_eligible else "false",
        order.messaging_port_status, text(iso(order.created_at)), text(iso(order.updated_at)),
    ]


def export_lines(session: Session, organization_id: str, filters: ExportFilters
                 ) -> Iterator[str]:
    """The CSV's lines: the header, then one line per order, read a page at a time."""
    yield _csv_line(list(EXPORT_COLUMNS))
    after: tuple[datetime, str] | None = None
    while True:
        page = report_store.export_page(session, organization_id, filters, after,
                                        ORDERS_PER_PAGE)
        if not page:
            return
        numbers = order_store.numbers_of(session, [o.id for o in page])
        for order in page:
            yield _csv_line(_cells(order, [n.phone_number for n in numbers[order.id]]))
        after = (page[-1].created_at, page[-1].id)
        session.expunge_all()  # a page's orders are not kept once written
        if len(page) < ORDERS_PER_PAGE:
            return


def _spooled_csv(db: Database, report_id: str) -> tuple[IO[bytes], str] | None:
    """The report's CSV in a temporary file, with the organization; None if it is no longer
    pending."""
    with db.reading() as session:
        report = session.get(PortingReport, report_id)
        if report is None or report.status != ReportStatus.PENDING:
            return None
        organization_id = report.organization_id
        filters = export_filters(report)
        spool = tempfile.SpooledTemporaryFile(max_size=documents.CHUNK_BYTES)
        for piece in in_pieces(export_lines(session, organization_id, filters),
                               64 * 1024):
            spool.write(piece)
    spool.seek(0)
    return spool, organization_id


def _file_pieces(file: IO[bytes]) -> Iterator[bytes]:
    while piece := file.read(documents.CHUNK_BYTES):
        yield piece


def build_report(db: Database, report_id: str, now: datetime) -> bool:
    """Build one pending report; True when this call completed it. Of two workers racing for
    one report, the second finds it completed and writes nothing."""
    spooled = _spooled_csv(db, report_id)
    if spooled is None:
        return False
    spool, organization_id = spooled
    with spool, db.writing() as session:
        if not report_store.mark_completed(session, report_id, now):
            return False
        document = documents.store_document(
            session, organization_id, f"porting_orders_{report_id}.csv", _file_pieces(spool),
            now, max_bytes=REPORT_MAX_BYTES, content_type="text/csv")
        documents.link(session, document, LINKED_RECORD_TYPE, report_id, LINK_PURPOSE, now)
        report = session.get(PortingReport, report_id)
        assert report is not None
        report.document_id = document.id
        report.updated_at = now
        session.flush()
    return True


def build_pending_reports(db: Database, now: datetime) -> int:
    """Build every report waiting; return how many this call completed."""
    built = 0
    while True:
        with db.reading() as session:
            due = report_store.pending_ids(session, BATCH)
        for report_id in due:
            if build_report(db, report_id, now):
                built += 1
                log.info("built porting report %s", report_id)
        if len(due) < BATCH:
            return built
