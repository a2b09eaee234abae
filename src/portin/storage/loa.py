"""Queries over LOA configurations and orders' additional documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portin.storage.models import Document, LoaConfiguration, PortingAdditionalDocument
from portin.storage.paging import Page, PageRequest, count_rows


def get_configuration(session: Session, configuration_id: str, organization_id: str
                      ) -> LoaConfiguration | None:
    """The organization's configuration; another organization's is simply not there."""
    row: LoaConfiguration | None = session.execute(
        select(LoaConfiguration).where(LoaConfiguration.id == configuration_id,
                                       LoaConfiguration.organization_id == organization_id)
    ).scalar_one_or_none()
    return row


def default_configuration(session: Session, organization_id: str) -> LoaConfiguration | None:
    """The organization's first configuration: the one a LOA uses when none is named."""
    row: LoaConfiguration | None = session.execute(
        select(LoaConfiguration).where(LoaConfiguration.organization_id == organization_id)
        .order_by(LoaConfiguration.created_at, LoaConfiguration.id).limit(1)
    ).scalar_one_or_none()
    return row


def list_configurations(session: Session, organization_id: str, page: PageRequest
                        ) -> Page[LoaConfiguration]:
    """Newest first."""
    stmt = select(LoaConfiguration).where(LoaConfiguration.organization_id == organization_id)
    total = count_rows(session, stmt)
    rows = session.execute(
        stmt.order_by(LoaConfiguration.created_at.desc(), LoaConfiguration.id)
        .limit(page.size).offset(page.offset)).scalars().all()
    return Page(list(rows), total, page)


def get_additional_document(session: Session, additional_document_id: str, order_id: str,
                            organization_id: str) -> PortingAdditionalDocument | None:
    row: PortingAdditionalDocument | None = session.execute(
        select(PortingAdditionalDocument).where(
            PortingAdditionalDocument.id == additional_document_id,
            PortingAdditionalDocument.porting_order_id == order_id,
            PortingAdditionalDocument.organization_id == organization_id)
    ).scalar_one_or_none()
    return row


def attached_document_ids(session: Session, order_id: str, document_ids: Sequence[str]
                          ) -> set[str]:
    """Which of `document_ids` are already additional documents of the order."""
    if not document_ids:
        return set()
    return set(session.execute(
        select(PortingAdditionalDocument.document_id).where(
            PortingAdditionalDocument.porting_order_id == order_id,
            PortingAdditionalDocument.document_id.in_(document_ids))).scalars())


@dataclass(frozen=True)
class AdditionalDocumentFilters:
    organization_id: str
    porting_order_id: str
    document_types: tuple[str, ...] = ()
    newest_first: bool = True


AdditionalDocumentRow = tuple[PortingAdditionalDocument, Document]


def list_additional_documents(session: Session, filters: AdditionalDocumentFilters,
                              page: PageRequest) -> Page[AdditionalDocumentRow]:
    """A page of an order's additional documents, each with its document (for its filename
    and content type)."""
    conditions = [PortingAdditionalDocument.organization_id == filters.organization_id,
                  PortingAdditionalDocument.porting_order_id == filters.porting_order_id]
    if filters.document_types:
        conditions.append(PortingAdditionalDocument.document_type.in_(filters.document_types))
    created = PortingAdditionalDocument.created_at
    order = ((created.desc(), PortingAdditionalDocument.id.desc()) if filters.newest_first
             else (created, PortingAdditionalDocument.id))
    total = count_rows(session, select(PortingAdditionalDocument).where(*conditions))
    rows = session.execute(
        select(PortingAdditionalDocument, Document)
        .join(Document, Document.id == PortingAdditionalDocument.document_id)
        .where(*conditions).order_by(*order).limit(page.size).offset(page.offset)).all()
    return Page([(row[0], row[1]) for row in rows], total, page)
