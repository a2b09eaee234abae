"""An order's additional documents: documents of the order's organization attached with a
kind (loa, invoice, csr, other), each linked to the order with purpose "additional"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain.errors import InvalidRequest, NotFound
from portin.domain.ids import new_id
from portin.services import documents
from portin.services.orders import require_order
from portin.storage import documents as document_store
from portin.storage import loa as store
from portin.storage.models import Document, PortingAdditionalDocument

LINKED_RECORD_TYPE = "porting_order"
PURPOSE = "additional"


def attach(session: Session, organization_id: str, order_id: str,
           items: Sequence[tuple[str, str]], now: datetime
           ) -> list[tuple[PortingAdditionalDocument, Document]]:
    """Attach (document_id, document_type) pairs, all or none. An unknown order is a 404; a
    document that is not the organization's, or is named twice, or is already attached, is a
    422 pointing at the item."""
    order = require_order(session, order_id, organization_id)
    found: list[Document] = []
    for index, (document_id, _) in enumerate(items):
        pointer = f"/additional_documents/{index}/document_id"
        document = document_store.get_document(session, document_id, organization_id)
        if document is None:
            raise InvalidRequest(f"Document {document_id} was not found.", pointer=pointer)
        if any(earlier.id == document.id for earlier in found):
            raise InvalidRequest(f"Document {document_id} is named twice.", pointer=pointer)
        found.append(document)
    already = store.attached_document_ids(session, order.id, [d.id for d in found])
    for index, document in enumerate(found):
        if document.id in already:
            raise InvalidRequest(f"Document {document.id} is already an additional document"
                                 " of this order.",
                                 pointer=f"/additional_documents/{index}/document_id")
    attached = []
    for document, (_, document_type) in zip(found, items, strict=True):
        row = PortingAdditionalDocument(
            id=new_id(), organization_id=organization_id, porting_order_id=order.id,
            document_id=document.id, document_type=document_type, created_at=now,
            updated_at=now)
        session.add(row)
        documents.link(session, document, LINKED_RECORD_TYPE, order.id, PURPOSE, now)
        attached.append((row, document))
    session.flush()
    return attached


def detach(session: Session, organization_id: str, order_id: str,
           additional_document_id: str) -> None:
    """Remove one additional document and its link; the document itself stays."""
    order = require_order(session, order_id, organization_id)
    row = store.get_additional_document(session, additional_document_id, order.id,
                                        organization_id)
    if row is None:
        raise NotFound(f"Additional document {additional_document_id} was not found on"
                       f" porting order {order_id}.")
    document_store.delete_link(session, row.document_id, LINKED_RECORD_TYPE, order.id,
                               PURPOSE)
    session.delete(row)
    session.flush()
