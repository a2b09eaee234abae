"""LOA configurations: an organization's branding for its letters (company, address, contact,
PNG logo). The logo is a document of the same organization, linked to the configuration with
purpose "logo" while it is used, so it cannot be deleted from under it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from portin.domain import documents as kinds
from portin.domain.email_address import validate_email
from portin.domain.errors import InvalidRequest, NotFound
from portin.domain.ids import new_id
from portin.services import documents
from portin.storage import documents as document_store
from portin.storage import loa as store
from portin.storage.models import Document, LoaConfiguration

LINKED_RECORD_TYPE = "porting_loa_configuration"
LOGO_PURPOSE = "logo"
REQUIRED_FIELDS = ("address", "company_name", "contact", "name")
# The contact's number is printed, never ported: +E.164 in shape is enough (the API's own
# examples use numbers libphonenumber calls unassigned).
CONTACT_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")


def require_configuration(session: Session, configuration_id: str, organization_id: str
                          ) -> LoaConfiguration:
    row = store.get_configuration(session, configuration_id, organization_id)
    if row is None:
        raise NotFound(f"LOA configuration {configuration_id} was not found.")
    return row


def logo_document(session: Session, organization_id: str, document_id: str) -> Document:
    """The organization's PNG document named as a logo; anything else is refused (422: the
    body names something that cannot be a logo, whether missing, another organization's or
    not a PNG)."""
    pointer = "/logo/document_id"
    document = document_store.get_document(session, document_id, organization_id)
    if document is None:
        raise InvalidRequest(f"Document {document_id} was not found.", pointer=pointer)
    if document.content_type != kinds.PNG:
        raise InvalidRequest(f"A logo must be a PNG image; document {document_id} is"
                             f" {document.content_type or 'of no known kind'}.",
                             pointer=pointer)
    return document


def checked_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The body's columns, with the contact's email and phone number checked."""
    columns: dict[str, Any] = {}
    if "name" in fields:
        columns["name"] = fields["name"]
    if "company_name" in fields:
        columns["company_name"] = fields["company_name"]
    if "address" in fields:
        address = fields["address"]
        extended = (address.get("extended_address") or "").strip() or None
        columns.update(street_address=address["street_address"], extended_address=extended,
                       city=address["city"], state=address["state"],
                       zip_code=address["zip_code"],
                       country_code=address["country_code"].upper())
    if "contact" in fields:
        contact = fields["contact"]
        columns["contact_email"] = validate_email(contact["email"], "/contact/email")
        if not CONTACT_NUMBER.fullmatch(contact["phone_number"]):
            raise InvalidRequest(f"{contact['phone_number']!r} is not a phone number in"
                                 " +E.164 format.", pointer="/contact/phone_number")
        columns["contact_phone_number"] = contact["phone_number"]
    return columns


def create(session: Session, organization_id: str, fields: dict[str, Any], now: datetime
           ) -> LoaConfiguration:
    columns = checked_fields(fields)
    logo = fields.get("logo")
    document = logo_document(session, organization_id, logo["document_id"]) if logo else None
    row = LoaConfiguration(id=new_id(), organization_id=organization_id,
                           logo_document_id=document.id if document else None,
                           created_at=now, updated_at=now, **columns)
    session.add(row)
    session.flush()
    if document is not None:
        documents.link(session, document, LINKED_RECORD_TYPE, row.id, LOGO_PURPOSE, now)
    return row


def update(session: Session, organization_id: str, configuration_id: str,
           changes: dict[str, Any], now: datetime) -> LoaConfiguration:
    """Change what the body names; a new logo moves the link, `logo: null` removes it."""
    row = require_configuration(session, configuration_id, organization_id)
    for field in REQUIRED_FIELDS:
        if field in changes and changes[field] is None:
            raise InvalidRequest(f"{field} cannot be cleared.", pointer=f"/{field}")
    for column, value in checked_fields(changes).items():
        setattr(row, column, value)
    if "logo" in changes:
        logo = changes["logo"]
        document = (logo_document(session, organization_id, logo["document_id"])
                    if logo else None)
        new_logo = document.id if document else None
        if new_logo != row.logo_document_id:
            document_store.delete_links_to(session, organization_id, row.id, LOGO_PURPOSE)
            row.logo_document_id = new_logo
            if document is not None:
                documents.link(session, document, LINKED_RECORD_TYPE, row.id, LOGO_PURPOSE,
                               now)
    row.updated_at = now
    session.flush()
    return row


def delete(session: Session, organization_id: str, configuration_id: str) -> None:
    """The configuration and its logo's link; the logo document itself stays."""
    row = require_configuration(session, configuration_id, organization_id)
    document_store.delete_links_to(session, organization_id, row.id, LOGO_PURPOSE)
    session.delete(row)
    session.flush()
