"""The document store on both databases: bytes kept in chunks and read back whole, kinds told
from content, size limits, links that keep a document from being deleted, and tenancy."""

from __future__ import annotations

import hashlib

import pytest

from portin.domain.errors import Conflict, InvalidRequest, NotFound, PayloadTooLarge
from portin.domain.timefmt import utcnow
from portin.services import documents
from portin.storage import documents as document_store
from portin.storage.db import Database
from portin.storage.models import Document
from tests.conftest import Tenant

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 9000 + b"\n%%EOF\n"  # about 2.2 MiB: three chunks


def _store(db: Database, tenant: Tenant, data: bytes, **kwargs: object) -> str:
    with db.writing() as session:
        document = documents.store_document(
            session, tenant.organization_id, "loa.pdf", [data[:1000], data[1000:]], utcnow(),
            max_bytes=10 * 1024 * 1024, **kwargs)  # type: ignore[arg-type]
        return document.id


def test_a_document_is_kept_in_chunks_and_read_back_byte_for_byte(
        db: Database, tenant: Tenant) -> None:
    document_id = _store(db, tenant, PDF, customer_reference="ref-1")
    with db.reading() as session:
        document = documents.require_document(session, document_id, tenant.organization_id)
        chunks = list(documents.content(session, document))
        assert document.content_type == "application/pdf"
        assert document.size_bytes == len(PDF)
        assert document.sha256 == hashlib.sha256(PDF).hexdigest()
        assert document.customer_reference == "ref-1"
    assert len(chunks) == 3
    assert max(len(c) for c in chunks) == documents.CHUNK_BYTES
    assert b"".join(chunks) == PDF


@pytest.mark.parametrize("data", [b"MZ\x90\x00 not a pdf", b"hello,world\n", b""])
def test_anything_but_a_pdf_or_an_image_is_refused_and_nothing_is_kept(
        db: Database, tenant: Tenant, data: bytes) -> None:
    with pytest.raises(InvalidRequest):
        _store(db, tenant, data)
    with db.reading() as session:
        assert session.query(Document).count() == 0


def test_the_kind_comes_from_the_content_not_the_name(db: Database, tenant: Tenant) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    with db.writing() as session:
        document = documents.store_document(session, tenant.organization_id, "scan.pdf",
                                            [png], utcnow(), max_bytes=1000)
        assert document.content_type == "image/png"


def test_a_document_over_the_limit_is_refused(db: Database, tenant: Tenant) -> None:
    with pytest.raises(PayloadTooLarge), db.writing() as session:
        documents.store_document(session, tenant.organization_id, "big.pdf",
                                 [b"%PDF-" + b"x" * 2000], utcnow(), max_bytes=1000)
    with db.reading() as session:
        assert session.query(Document).count() == 0


def test_portins_own_files_name_their_kind(db: Database, tenant: Tenant) -> None:
    with db.writing() as session:
        document = documents.store_document(session, tenant.organization_id, "orders.csv",
                                            [b"id,status\n"], utcnow(), max_bytes=1000,
                                            content_type="text/csv")
        assert document.content_type == "text/csv"


def test_a_linked_document_cannot_be_deleted_until_its_link_goes(
        db: Database, tenant: Tenant) -> None:
    document_id = _store(db, tenant, PDF)
    with db.writing() as session:
        document = documents.require_document(session, document_id, tenant.organization_id)
        documents.link(session, document, "porting_order", "order-1", "loa", utcnow())
    with pytest.raises(Conflict), db.writing() as session:
        documents.delete_document(
            session, documents.require_document(session, document_id, tenant.organization_id))
    with db.writing() as session:
        document_store.delete_links_to(session, tenant.organization_id, "order-1")
        documents.delete_document(
            session, documents.require_document(session, document_id, tenant.organization_id))
    with db.reading() as session:
        assert document_store.get_document(session, document_id, tenant.organization_id) is None
        assert list(document_store.iter_chunks(session, document_id)) == []


def test_another_organizations_document_is_not_found(
        db: Database, tenant: Tenant, other_tenant: Tenant) -> None:
    document_id = _store(db, tenant, PDF)
    with pytest.raises(NotFound), db.reading() as session:
        documents.require_document(session, document_id, other_tenant.organization_id)
