"""What a Letter of Authorization holds, gathered inside the caller's transaction: the
order's end user and every one of its numbers, the branding of a LOA configuration and its
logo's bytes. `loa_pdf.render` draws it afterwards, with no session open."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from portin.services import documents
from portin.services import loa_configurations as configurations
from portin.services.loa_pdf import Branding, EndUser, LoaContent
from portin.services.orders import require_order
from portin.storage import documents as document_store
from portin.storage import loa as store
from portin.storage import orders as order_store
from portin.storage.models import Document, LoaConfiguration, PortingOrder


def _logo_bytes(session: Session, document: Document | None) -> bytes | None:
    return b"".join(documents.content(session, document)) if document is not None else None


def _branding(session: Session, row: LoaConfiguration) -> Branding:
    logo = (document_store.get_document(session, row.logo_document_id, row.organization_id)
            if row.logo_document_id else None)
    return Branding(company_name=row.company_name, street_address=row.street_address,
                    extended_address=row.extended_address, city=row.city, state=row.state,
                    zip_code=row.zip_code, country_code=row.country_code,
                    email=row.contact_email, phone_number=row.contact_phone_number,
                    logo_png=_logo_bytes(session, logo))


def _end_user(order: PortingOrder) -> EndUser:
    end_user: dict[str, Any] = order.end_user or {}
    admin: dict[str, Any] = end_user.get("admin") or {}
    location: dict[str, Any] = end_user.get("location") or {}
    city_line = " ".join(part for part in (
        ", ".join(p for p in (location.get("locality"), location.get("administrative_area"))
                  if p),
        location.get("postal_code")) if part)
    lines = [location.get("street_address"), location.get("extended_address"), city_line,
             location.get("country_code")]
    return EndUser(entity_name=admin.get("entity_name"),
                   auth_person_name=admin.get("auth_person_name"),
                   account_number=admin.get("account_number"),
                   billing_phone_number=admin.get("billing_phone_number"),
                   service_address=tuple(line for line in lines if line))


def order_letter(session: Session, organization_id: str, order_id: str,
                 configuration_id: str | None, today: date) -> LoaContent:
    """The order's letter, branded by the named configuration, or else by the
    organization's first one, or else unbranded."""
    order = require_order(session, order_id, organization_id)
    configuration = (configurations.require_configuration(session, configuration_id,
                                                          organization_id)
                     if configuration_id is not None
                     else store.default_configuration(session, organization_id))
    numbers = order_store.numbers_of(session, [order.id])[order.id]
    return LoaContent(end_user=_end_user(order),
                      phone_numbers=[number.phone_number for number in numbers],
                      issued_on=today,
                      branding=_branding(session, configuration) if configuration else None,
                      order_reference=order.support_key or order.id)


def configuration_preview(session: Session, organization_id: str, configuration_id: str,
                          today: date) -> LoaContent:
    """A saved configuration's letter, with blanks where an order's details would go."""
    row = configurations.require_configuration(session, configuration_id, organization_id)
    return LoaContent(end_user=EndUser(), phone_numbers=[], issued_on=today,
                      branding=_branding(session, row), preview=True)


def body_preview(session: Session, organization_id: str, fields: dict[str, Any],
                 today: date) -> LoaContent:
    """The letter a configuration with these fields would give; nothing is stored. The
    fields are checked as a create checks them."""
    columns = configurations.checked_fields(fields)
    logo = fields.get("logo")
    document = (configurations.logo_document(session, organization_id, logo["document_id"])
                if logo else None)
    branding = Branding(company_name=columns["company_name"],
                        street_address=columns["street_address"],
                        extended_address=columns["extended_address"], city=columns["city"],
                        state=columns["state"], zip_code=columns["zip_code"],
                        country_code=columns["country_code"], email=columns["contact_email"],
                        phone_number=columns["contact_phone_number"],
                        logo_png=_logo_bytes(session, document))
    return LoaContent(end_user=EndUser(), phone_numbers=[], issued_on=today,
                      branding=branding, preview=True)
