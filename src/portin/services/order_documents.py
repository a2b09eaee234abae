"""An order's own documents: putting a stored document on an order as its LOA or invoice.

One function does it for every caller (a sharing token's upload today; the order's PATCH of
`documents` can call it too), so the link, the order's `documents` field and the
porting_order.loa_updated event always change together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain import lifecycle
from portin.domain.events import EventType
from portin.domain.lifecycle import OrderStatus
from portin.services import documents
from portin.services.events import record
from portin.storage import documents as document_store
from portin.storage.models import Document, DocumentLink, PortingOrder

LINKED_RECORD_TYPE = "porting_order"
PURPOSES = ("loa", "invoice")


def set_order_document(session: Session, order: PortingOrder, purpose: str,
                       document: Document, now: datetime) -> None:
    """Make `document` the order's LOA or invoice, replacing the one it had (whose link goes;
    the old document itself stays until its owner deletes it). Setting the LOA writes
    porting_order.loa_updated. Refused (422, nothing changed) where the order's status keeps
    its details from changing, as a PATCH of `documents` would be."""
    assert purpose in PURPOSES
    lifecycle.check_edit(OrderStatus(order.status), {"documents"})
    document_store.delete_links_to(session, order.organization_id, order.id, purpose)
    documents.link(session, document, LINKED_RECORD_TYPE, order.id, purpose, now)
    order.documents = {**(order.documents or {}), purpose: document.id}
    order.updated_at = now
    session.flush()
    if purpose == "loa":
        record(session, order, EventType.LOA_UPDATED, None, now)


def order_document_links(session: Session, order: PortingOrder) -> list[DocumentLink]:
    """Every document the order uses (its LOA, its invoice, any other linked to it)."""
    return [link for link in document_store.links_to(session, order.organization_id, order.id)
            if link.linked_record_type == LINKED_RECORD_TYPE]
