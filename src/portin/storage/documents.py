"""Queries over documents, their chunks of bytes and their links (where each is used)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from portin.storage.models import Document, DocumentChunk, DocumentLink


def get_document(session: Session, document_id: str, organization_id: str) -> Document | None:
    """The organization's document; another organization's is simply not there."""
    row: Document | None = session.execute(
        select(Document).where(Document.id == document_id,
                               Document.organization_id == organization_id)
    ).scalar_one_or_none()
    return row


def add_chunk(session: Session, document_id: str, chunk_index: int, data: bytes) -> None:
    # A Core insert: the chunk is not kept in the session's identity map after its flush.
    session.execute(insert(DocumentChunk).values(
        document_id=document_id, chunk_index=chunk_index, data=data))


def iter_chunks(session: Session, document_id: str) -> Iterator[bytes]:
    """The document's bytes, one chunk per query, so no more than one chunk is in memory."""
    index = 0
    while True:
        data = session.execute(
            select(DocumentChunk.data).where(DocumentChunk.document_id == document_id,
                                             DocumentChunk.chunk_index == index)
        ).scalar_one_or_none()
        if data is None:
            return
        yield bytes(data)
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
