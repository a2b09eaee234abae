"""Documents: storing a file's bytes (checked by content and size), finding one, linking it to
the record that uses it, and deleting it when nothing does."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session

from portin.domain import documents as kinds
from portin.domain import download_links as links
from portin.domain.errors import Conflict, Forbidden, InvalidRequest, NotFound, PayloadTooLarge
from portin.domain.ids import new_id
from portin.services import server_secrets
from portin.storage import documents as document_store
from portin.storage import server_secrets as secret_store
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
    """Delete a document that nothing uses; one still linked to a record is refused, naming
    where it is used."""
    links = document_store.links_of(session, document.id)
    if links:
        uses = ", ".join(f"{row.linked_record_type} {row.linked_resource_id} ({row.purpose})"
                         for row in links[:5])
        more = f" and {len(links) - 5} more" if len(links) > 5 else ""
        raise Conflict(f"Document {document.id} is still in use by {uses}{more} (see"
                       " /v2/document_links); remove it from those records first.")
    document_store.delete_document(session, document)


# -- the documents API's use cases ------------------------------------------------------------
def check_filename(filename: str, pointer: str = "/filename") -> str:
    if not filename.strip():
        raise InvalidRequest("A filename cannot be blank.", pointer=pointer)
    bad = kinds.bad_filename_character(filename)
    if bad is not None:
        raise InvalidRequest(f"A filename cannot hold the control character {bad}.",
                             pointer=pointer)
    return filename


def upload(session: Session, organization_id: str, filename: str | None,
           pieces: Iterable[bytes], now: datetime, *, max_bytes: int,
           customer_reference: str | None = None) -> Document:
    """A client's upload: a PDF, PNG or JPEG told from its content; without a filename it is
    named after its kind."""
    if filename is not None:
        check_filename(filename)
    document = store_document(session, organization_id, filename or "", pieces, now,
                              max_bytes=max_bytes, customer_reference=customer_reference)
    if filename is None:
        document.filename = kinds.default_filename(document.content_type)
        session.flush()
    return document


def update_document(session: Session, organization_id: str, document_id: str,
                    changes: dict[str, Any], now: datetime) -> Document:
    """PATCH: `filename` and `customer_reference`, only those sent (a null reference clears
    it; a filename cannot be cleared)."""
    document = require_document(session, document_id, organization_id)
    if "filename" in changes:
        if changes["filename"] is None:
            raise InvalidRequest("A document's filename cannot be null.", pointer="/filename")
        document.filename = check_filename(changes["filename"])
    if "customer_reference" in changes:
        document.customer_reference = changes["customer_reference"]
    document.updated_at = now
    session.flush()
    return document


# -- signed download links ----------------------------------------------------------------
DOWNLOAD_SECRET = "document_download_links"


def download_link(session: Session, document: Document, base_url: str, now: datetime,
                  ttl_seconds: int) -> str:
    """An absolute URL that downloads `document` without an API key until `ttl_seconds` from
    now. The signing secret is made on first use (in the caller's write transaction)."""
    secret = server_secrets.get_or_create(session, DOWNLOAD_SECRET)
    expires = int(now.timestamp()) + ttl_seconds
    query = urlencode({"expires": expires,
                       "signature": links.signature(secret, document.id, expires)})
    path = f"/v2/documents/{quote(document.id, safe='')}/signed_download"
    return f"{base_url.rstrip('/')}{path}?{query}"


def document_by_link(session: Session, document_id: str, expires: str | None,
                     signature: str | None, now: datetime) -> Document:
    """The document a signed link names: a link whose signature is wrong (tampered, or made
    by another installation) or whose time is up is refused (403); a genuine link to a
    document deleted since is 404."""
    if expires is None or signature is None or not expires.isdigit() or len(expires) > 12:
        raise Forbidden("This download link is not valid.")
    secret = secret_store.get(session, DOWNLOAD_SECRET)
    if secret is None or not links.is_genuine(secret, document_id, int(expires), signature):
        raise Forbidden("This download link is not valid.")
    if int(expires) <= now.timestamp():
        raise Forbidden("This download link has expired; ask for a new one.")
    document = document_store.get_document_by_link(session, document_id)
    if document is None:
        raise NotFound(f"Document {document_id} was not found.")
    return document


# -- a porting order's documents ----------------------------------------------------------
ORDER_RECORD_TYPE = "porting_order"
ORDER_PURPOSES = ("loa", "invoice")


def set_order_documents(session: Session, organization_id: str, order_id: str,
                        documents: dict[str, str | None], now: datetime) -> set[str]:
    """Point an order's `loa` / `invoice` at the organization's documents (null: at none),
    moving their links; return the purposes whose document changed. Every id is checked
    before anything is linked, so a refusal changes nothing."""
    wanted = {purpose: documents[purpose] for purpose in ORDER_PURPOSES if purpose in documents}
    found = document_store.documents_of(
        session, organization_id, [i for i in wanted.values() if i is not None])
    for purpose, document_id in wanted.items():
        if document_id is not None and document_id not in found:
            raise InvalidRequest(f"There is no document {document_id} in your organization;"
                                 " upload it with POST /v2/documents first.",
                                 pointer=f"/documents/{purpose}")
    changed: set[str] = set()
    for purpose, document_id in wanted.items():
        current = document_store.links_to(session, organization_id, order_id, purpose)
        if [row.document_id for row in current] == ([document_id] if document_id else []):
            continue
        document_store.delete_links_to(session, organization_id, order_id, purpose)
        if document_id is not None:
            link(session, found[document_id], ORDER_RECORD_TYPE, order_id, purpose, now)
        changed.add(purpose)
    return changed


def unlink_order(session: Session, organization_id: str, order_id: str) -> None:
    """A deleted order uses no document any more (the documents stay)."""
    document_store.delete_links_to(session, organization_id, order_id)
