"""Documents: storing a file's bytes (checked by content and size), finding one, linking it to
the record that uses it, and deleting it when nothing does."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain import documents as kinds
from portin.domain.errors import Conflict, InvalidRequest, NotFound, PayloadTooLarge
from portin.domain.ids import new_id
from portin.storage import documents as document_store
from portin.storage.models import Document, DocumentLink

# Bytes per stored chunk: large enough that a 5 MiB file is a handful of rows, small enough
# that reading or writing one holds little memory.
CHUNK_BYTES = 1024 * 1024


def _rechunked(pieces: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The same bytes, in pieces of exactly `size` (the last may be shorter)."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def store_document(session: Session, organization_id: str, filename: str,
                   pieces: Iterable[bytes], now: datetime, *, max_bytes: int,
                   customer_reference: str | None = None,
                   content_type: str | None = None) -> Document:
    """A new document holding the bytes of `pieces`, written a chunk at a time.

    Uploads leave `content_type` None: it is then found from the first bytes, and anything
    but a PDF or an image is refused. portin's own files (a report's CSV) name theirs.
    Refusals raise before the caller's transaction commits, so nothing is kept.
    """
    document = Document(
        id=new_id(), organization_id=organization_id, filename=filename,
        content_type=content_type or "", customer_reference=customer_reference,
        sha256="", size_bytes=0, status="pending", created_at=now, updated_at=now)
    session.add(document)
    session.flush()  # the row first: chunks reference it
    digest = hashlib.sha256()
    size = 0
    for index, chunk in enumerate(_rechunked(pieces, CHUNK_BYTES)):
        if index == 0 and content_type is None:
            sniffed = kinds.sniff(chunk[:kinds.SNIFF_BYTES])
            if sniffed is None:
                raise InvalidRequest("A document must be a PDF, PNG or JPEG file (told from"
                                     " its content, not its name).", pointer="/file")
            document.content_type = sniffed
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"A document may hold at most {max_bytes} bytes.")
        digest.update(chunk)
        document_store.add_chunk(session, document.id, index, chunk)
    if size == 0:
        raise InvalidRequest("The document is empty.", pointer="/file")
    document.sha256 = digest.hexdigest()
    document.size_bytes = size
    session.flush()
    return document


def require_document(session: Session, document_id: str, organization_id: str) -> Document:
    document = document_store.get_document(session, document_id, organization_id)
    if document is None:
        raise NotFound(f"Document {document_id} was not found.")
    return document


def content(session: Session, document: Document) -> Iterator[bytes]:
    """The document's bytes, a chunk at a time (read inside the caller's transaction)."""
    return document_store.iter_chunks(session, document.id)


def link(session: Session, document: Document, linked_record_type: str,
         linked_resource_id: str, purpose: str, now: datetime) -> DocumentLink:
    """Record that `document` is used by a record (for `purpose`), so it is not deleted."""
    row = DocumentLink(id=new_id(), organization_id=document.organization_id,
                       document_id=document.id, linked_record_type=linked_record_type,
                       linked_resource_id=linked_resource_id, purpose=purpose, created_at=now)
    session.add(row)
    session.flush()
    return row


def delete_document(session: Session, document: Document) -> None:
    """Delete a document that nothing uses; one still linked to a record is refused."""
    if document_store.count_links(session, document.id):
        raise Conflict(f"Document {document.id} is still in use (see /v2/document_links);"
                       " remove it from those records first.")
    document_store.delete_document(session, document)
