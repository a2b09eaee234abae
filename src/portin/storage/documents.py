"""Queries over documents, their chunks of bytes and their links (where each is used)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from portin.storage.models import Document, DocumentChunk, DocumentLink
from portin.storage.paging import Page, PageRequest, count_rows


def get_document(session: Session, document_id: str, organization_id: str) -> Document | None:
    """The organization's document; another organization's is simply not there."""
    row: Document | None = session.execute(
        select(Document).where(Document.id == document_id,
                               Document.organization_id == organization_id)
    ).scalar_one_or_none()
    return row


def get_document_by_link(session: Session, document_id: str) -> Document | None:
    """A document by id alone: only for a signed download link, whose signature (checked
    before this is called) names the document and its organization."""
    row: Document | None = session.get(Document, document_id)
    return row


@dataclass(frozen=True)
class DocumentFilters:
    """The list filters of GET /v2/documents, already parsed and validated."""

    organization_id: str
    filename_contains: str | None = None
    customer_references: tuple[str, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort: tuple[str, ...] = ("-created_at",)


_SORT_COLUMNS: dict[str, Any] = {
    "filename": Document.filename,
    "created_at": Document.created_at,
    "updated_at": Document.updated_at,
}
DOCUMENT_SORTS = (*_SORT_COLUMNS, *(f"-{key}" for key in _SORT_COLUMNS))


def list_documents(session: Session, filters: DocumentFilters, page: PageRequest
                   ) -> Page[Document]:
    stmt = select(Document).where(Document.organization_id == filters.organization_id)
    if filters.filename_contains is not None:
        stmt = stmt.where(Document.filename.contains(filters.filename_contains,
                                                     autoescape=True))
    if filters.customer_references:
        stmt = stmt.where(Document.customer_reference.in_(filters.customer_references))
    if filters.created_after is not None:
        stmt = stmt.where(Document.created_at > filters.created_after)
    if filters.created_before is not None:
        stmt = stmt.where(Document.created_at < filters.created_before)
    order: list[Any] = []
    for key in filters.sort:
        column = _SORT_COLUMNS[key.lstrip("-")]
        order.append(column.desc() if key.startswith("-") else column.asc())
    # The id breaks ties, so pages never overlap; newest first when nothing else decides.
    descending = not filters.sort or filters.sort[-1].startswith("-")
    order.append(Document.id.desc() if descending else Document.id.asc())
    total = count_rows(session, stmt)
    rows = session.execute(stmt.order_by(*order).limit(page.size).offset(page.offset)
                           ).scalars().all()
    return Page(list(rows), total, page)


@dataclass(frozen=True)
class LinkFilters:
    organization_id: str
    linked_record_type: str | None = None
    linked_resource_id: str | None = None


def list_links(session: Session, filters: LinkFilters, page: PageRequest
               ) -> Page[DocumentLink]:
    stmt = select(DocumentLink).where(DocumentLink.organization_id == filters.organization_id)
    if filters.linked_record_type is not None:
        stmt = stmt.where(DocumentLink.linked_record_type == filters.linked_record_type)
    if filters.linked_resource_id is not None:
        stmt = stmt.where(DocumentLink.linked_resource_id == filters.linked_resource_id)
    total = count_rows(session, stmt)
    rows = session.execute(
        stmt.order_by(DocumentLink.created_at.desc(), DocumentLink.id.desc())
        .limit(page.size).offset(page.offset)).scalars().all()
    return Page(list(rows), total, page)


def documents_of(session: Session, organization_id: str, document_ids: Sequence[str]
                 ) -> dict[str, Document]:
    """The organization's documents among `document_ids`, by id (others are left out)."""
    if not document_ids:
        return {}
    rows = session.execute(select(Document).where(
        Document.organization_id == organization_id, Document.id.in_(document_ids))).scalars()
    return {row.id: row for row in rows}


def read_chunk(session: Session, document_id: str, chunk_index: int) -> bytes | None:
    """One chunk of a document's bytes, or None past its end (or if it was deleted)."""
    data = session.execute(
        select(DocumentChunk.data).where(DocumentChunk.document_id == document_id,
                                         DocumentChunk.chunk_index == chunk_index)
    ).scalar_one_or_none()
    return None if data is None else bytes(data)


def add_chunk(session: Session, document_id: str, chunk_index: int, data: bytes) -> None:
    # A Core insert: the chunk is not kept in the session's identity map after its flush.
    session.execute(insert(DocumentChunk).values(
        document_id=document_id, chunk_index=chunk_index, data=data))


def iter_chunks(session: Session, document_id: str) -> Iterator[bytes]:
    """The document's bytes, one chunk per query, so no more than one chunk is in memory."""
    index = 0
    while True:
        data = read_chunk(session, document_id, index)
        if data is None:
            return
        yield data
        index += 1


def links_of(session: Session, document_id: str) -> list[DocumentLink]:
    return list(session.execute(
        select(DocumentLink).where(DocumentLink.document_id == document_id)
        .order_by(DocumentLink.created_at, DocumentLink.id)).scalars())


def count_links(session: Session, document_id: str) -> int:
    return int(session.execute(
        select(func.count()).select_from(DocumentLink)
        .where(DocumentLink.document_id == document_id)).scalar_one())


def links_to(session: Session, organization_id: str, linked_resource_id: str,
             purpose: str | None = None) -> list[DocumentLink]:
    """The documents linked to one record (an order, a LOA configuration), optionally for one
    purpose."""
    stmt = select(DocumentLink).where(DocumentLink.organization_id == organization_id,
                                      DocumentLink.linked_resource_id == linked_resource_id)
    if purpose is not None:
        stmt = stmt.where(DocumentLink.purpose == purpose)
    return list(session.execute(stmt.order_by(DocumentLink.created_at, DocumentLink.id))
                .scalars())


def delete_links_to(session: Session, organization_id: str, linked_resource_id: str,
                    purpose: str | None = None) -> None:
    stmt = delete(DocumentLink).where(DocumentLink.organization_id == organization_id,
                                      DocumentLink.linked_resource_id == linked_resource_id)
    if purpose is not None:
        stmt = stmt.where(DocumentLink.purpose == purpose)
    session.execute(stmt)


def delete_link(session: Session, document_id: str, linked_record_type: str,
                linked_resource_id: str, purpose: str) -> None:
    """One document's link to one record (the others linked to that record stay)."""
    session.execute(delete(DocumentLink).where(
        DocumentLink.document_id == document_id,
        DocumentLink.linked_record_type == linked_record_type,
        DocumentLink.linked_resource_id == linked_resource_id,
        DocumentLink.purpose == purpose))


def delete_document(session: Session, document: Document) -> None:
    """The document and its bytes (its links must be gone first)."""
    session.execute(delete(DocumentChunk).where(DocumentChunk.document_id == document.id))
    session.delete(document)
    session.flush()
