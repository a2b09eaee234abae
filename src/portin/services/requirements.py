"""An order's requirements: which apply (from the catalogue and the numbers on the order),
the values the user gives for them, the confirm gate, and the operator's catalogue edits.

Which requirements apply is read from the catalogue whenever it is asked, so an operator's
edit applies to every order at once; a value kept for a type that no longer applies stays
stored but is neither shown nor counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from portin.domain import requirements as rules
from portin.domain.errors import Conflict, InvalidRequest, NotFound
from portin.domain.ids import new_id
from portin.domain.requirements import RequirementStatus
from portin.services import documents as document_service
from portin.storage import documents as document_store
from portin.storage import requirements as store
from portin.storage.models import (
    CountryRequirement,
    PortingOrder,
    PortingOrderRequirement,
    PortingSettings,
    RequirementType,
)
from portin.storage.reads import OrderRecord, RequirementTypeRecord, RequirementValueRecord
from portin.storage.requirements import Pair

LINKED_RECORD_TYPE = "porting_order"
LINK_PURPOSE = "requirement"

TYPE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,35}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
NUMBER_TYPES = ("landline", "local", "localcommercial", "mobile", "multipurpose", "national",
                "other", "shared_cost", "toll_free")


@dataclass(frozen=True)
class Requirement:
    """One requirement that applies to an order, with the order's value if it gave one."""

    type: RequirementTypeRecord
    value: RequirementValueRecord | None

    @property
    def status(self) -> RequirementStatus:
        if self.value is None:
            return RequirementStatus.PENDING
        return rules.status_of(self.value.field_value, self.value.review_status)


@dataclass(frozen=True)
class OrderRequirements:
    """Everything the API shows of an order's requirements."""

    items: list[Requirement]  # by name, then id
    type_ids_by_pair: dict[Pair, frozenset[str]]

    @property
    def met(self) -> bool:
        return rules.all_met(item.status for item in self.items)

    def number_status(self, country_code: str | None, phone_number_type: str
                      ) -> RequirementStatus:
        """A phone number's status: that of the requirements its country and type need."""
        needed = self.type_ids_by_pair.get((country_code, phone_number_type), frozenset())
        return rules.combined(item.status for item in self.items if item.type.id in needed)

    def find(self, type_id: str) -> Requirement | None:
        return next((item for item in self.items if item.type.id == type_id), None)

    def unmet(self) -> str:
        """What keeps them from being met, as a person reads it (empty when met)."""
        missing = [f"{i.type.name} ({i.type.id})" for i in self.items
                   if i.status == RequirementStatus.PENDING]
        rejected = [f"{i.type.name} ({i.type.id}): {i.value.review_reason}" for i in self.items
                    if i.status == RequirementStatus.EXCEPTION and i.value is not None]
        parts = []
        if missing:
            parts.append("missing " + "; ".join(missing))
        if rejected:
            parts.append("rejected " + "; ".join(rejected))
        return ", ".join(parts)


def of_orders(session: Session, orders: Iterable[OrderRecord]
              ) -> dict[str, OrderRequirements]:
    """The requirements of several orders, for display, in three queries whatever their
    number (the values are rows: see storage/reads.py)."""
    order_ids = [order.id for order in orders]
    return _requirements(session, order_ids, store.values_of(session, order_ids))


def of_order(session: Session, order: PortingOrder) -> OrderRequirements:
    """One order's requirements, whose values are ORM objects a write may change."""
    return _requirements(session, [order.id], store.value_objects_of(session, [order.id])
                         )[order.id]


def _requirements(session: Session, order_ids: list[str],
                  values: Mapping[str, Mapping[str, RequirementValueRecord]]
                  ) -> dict[str, OrderRequirements]:
    pairs = store.number_pairs(session, order_ids)
    types_by_pair = store.types_for_pairs(session, {p for ps in pairs.values() for p in ps})
    result: dict[str, OrderRequirements] = {}
    for order_id in order_ids:
        by_pair = {pair: frozenset(row.id for row in types_by_pair.get(pair, ()))
                   for pair in pairs.get(order_id, set())}
        types = {row.id: row for pair in pairs.get(order_id, set())
                 for row in types_by_pair.get(pair, ())}
        applicable = sorted(types.values(), key=lambda row: (row.name, row.id))
        own = values.get(order_id, {})
        result[order_id] = OrderRequirements(
            [Requirement(row, own.get(row.id)) for row in applicable], by_pair)
    return result


# -- the user's PATCH -----------------------------------------------------------------------
def apply_changes(session: Session, order: PortingOrder, changes: dict[str, Any],
                  now: datetime) -> None:
    """The requirements and requirement_group_id of a PATCH (other fields are not read)."""
    if "requirement_group_id" in changes:
        for other in ("requirements", "documents"):
            if other in changes:
                raise InvalidRequest(
                    f"requirement_group_id cannot be given together with {other}: a"
                    " requirement group stands for both.", pointer="/requirement_group_id")
        order.requirement_group_id = changes["requirement_group_id"]
    if "requirements" in changes:
        set_values(session, order, changes["requirements"], now)


def set_values(session: Session, order: PortingOrder, items: list[dict[str, str]],
               now: datetime) -> None:
    """Give values for requirement types that apply to the order. A changed value goes back
    to review; the same value again keeps its review."""
    current = of_order(session, order)
    seen: set[str] = set()
    for index, item in enumerate(items):
        pointer = f"/requirements/{index}"
        type_id, value = item["requirement_type_id"], item["field_value"]
        if type_id in seen:
            raise InvalidRequest(f"Requirement type {type_id} is listed twice.",
                                 pointer=f"{pointer}/requirement_type_id")
        seen.add(type_id)
        requirement = current.find(type_id)
        if requirement is None:
            known = store.get_type(session, type_id) is not None
            raise InvalidRequest(
                f"Requirement type {type_id} does not apply to the numbers on this order;"
                " see GET /v2/porting_orders/{id}/requirements." if known else
                f"Unknown requirement type {type_id}.", pointer=f"{pointer}/requirement_type_id")
        if requirement.type.type == "document":
            if document_store.get_document(session, value, order.organization_id) is None:
                raise InvalidRequest(f"Document {value} was not found.",
                                     pointer=f"{pointer}/field_value")
        else:
            rules.check_textual(value, requirement.type.acceptance_criteria,
                                f"{pointer}/field_value")
        row = requirement.value
        if row is None:
            store.add_value(session, PortingOrderRequirement(
                id=new_id(), organization_id=order.organization_id, porting_order_id=order.id,
                requirement_type_id=type_id, field_value=value, review_status=None,
                review_reason=None, reviewed_at=None, created_at=now, updated_at=now))
        elif row.field_value != value:
            row.field_value = value
            row.review_status = row.review_reason = row.reviewed_at = None
            row.updated_at = now
    session.flush()
    link_documents(session, order, now)


def link_documents(session: Session, order: PortingOrder, now: datetime) -> None:
    """Keep one document link per document an order's requirements name, and no other."""
    document_ids = {type_id: value.field_value
                    for type_id, value in store.values_of(session, [order.id])
                    .get(order.id, {}).items()}
    types = store.types_by_id(session, set(document_ids))
    wanted = {value for type_id, value in document_ids.items()
              if types[type_id].type == "document"}
    links = [link for link in document_store.links_to(session, order.organization_id,
                                                      order.id, LINK_PURPOSE)
             if link.linked_record_type == LINKED_RECORD_TYPE]
    for link in links:
        if link.document_id not in wanted:
            session.delete(link)
    linked = {link.document_id for link in links}
    for document_id in sorted(wanted - linked):
        document = document_service.require_document(session, document_id,
                                                     order.organization_id)
        document_service.link(session, document, LINKED_RECORD_TYPE, order.id, LINK_PURPOSE,
                              now)
    session.flush()


def copy_to(session: Session, source: PortingOrder, target: PortingOrder,
            now: datetime) -> None:
    """A split: the new order starts with the source's values and reviews."""
    target.requirement_group_id = source.requirement_group_id
    for value in store.values_of(session, [source.id]).get(source.id, {}).values():
        store.add_value(session, PortingOrderRequirement(
            id=new_id(), organization_id=target.organization_id, porting_order_id=target.id,
            requirement_type_id=value.requirement_type_id, field_value=value.field_value,
            review_status=value.review_status, review_reason=value.review_reason,
            reviewed_at=value.reviewed_at, created_at=now, updated_at=now))
    link_documents(session, target, now)


# -- the confirm gate -----------------------------------------------------------------------
def check_confirm(session: Session, order: PortingOrder) -> None:
    """When the organization asks for it, confirm needs the requirements met."""
    if not settings_of(session, order.organization_id).confirm_requires_requirements_met:
        return
    requirements = of_order(session, order)
    if not requirements.met:
        raise InvalidRequest(
            f"This organization confirms only orders whose requirements are met;"
            f" {requirements.unmet()}. See GET /v2/porting_orders/{order.id}/requirements.",
            pointer="/requirements")


# -- settings -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    organization_id: str
    confirm_requires_requirements_met: bool
    updated_at: datetime | None  # None: never set, every default


def _view(row: PortingSettings) -> Settings:
    return Settings(row.organization_id, row.confirm_requires_requirements_met, row.updated_at)


def settings_of(session: Session, organization_id: str) -> Settings:
    """The organization's settings; the defaults (nothing stored) when it never set any."""
    row = store.get_settings(session, organization_id)
    return Settings(organization_id, False, None) if row is None else _view(row)


def update_settings(session: Session, organization_id: str, changes: dict[str, Any],
                    now: datetime) -> Settings:
    """Apply a PATCH of the settings: omitted fields keep their value."""
    row = store.get_settings(session, organization_id)
    if row is None:
        row = PortingSettings(organization_id=organization_id,
                              confirm_requires_requirements_met=False, updated_at=now)
        store.add_settings(session, row)
    if changes.get("confirm_requires_requirements_met") is not None:
        row.confirm_requires_requirements_met = changes["confirm_requires_requirements_met"]
    row.updated_at = now
    session.flush()
    return _view(row)


# -- the operator's catalogue edits ---------------------------------------------------------
def require_type(session: Session, type_id: str) -> RequirementType:
    row = store.get_type(session, type_id)
    if row is None:
        raise NotFound(f"Requirement type {type_id} was not found.")
    return row


def put_type(session: Session, type_id: str, fields: dict[str, Any], now: datetime
             ) -> RequirementType:
    """Create the type or replace its fields. Its kind (document or textual) is fixed once
    an order has a value for it."""
    if not TYPE_ID.match(type_id):
        raise InvalidRequest("A requirement type id is 1 to 36 letters, digits, '-', '_' or"
                             " '.', starting with a letter or digit.", parameter="type_id")
    row = store.get_type(session, type_id)
    if row is None:
        row = RequirementType(id=type_id, created_at=now, **fields, updated_at=now)
        session.add(row)
    else:
        if row.type != fields["type"] and store.count_values_of(session, type_id):
            raise Conflict(f"Orders hold values for requirement type {type_id}; its type"
                           f" stays '{row.type}'.")
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = now
    session.flush()
    return row


def delete_type(session: Session, type_id: str) -> None:
    row = require_type(session, type_id)
    if store.count_rules_naming(session, type_id):
        raise Conflict(f"Requirement type {type_id} still applies to some countries; remove"
                       " it from /v2/operator/requirements_by_country first.")
    if store.count_values_of(session, type_id):
        raise Conflict(f"Orders hold values for requirement type {type_id}; it is kept.")
    session.delete(row)
    session.flush()


def check_pair(country_code: str, phone_number_type: str) -> None:
    if not COUNTRY_CODE.match(country_code):
        raise InvalidRequest("A country code is two capital letters (ISO 3166 alpha-2).",
                             parameter="country_code")
    if phone_number_type not in NUMBER_TYPES:
        raise InvalidRequest(f"Unknown phone_number_type; one of {', '.join(NUMBER_TYPES)}.",
                             parameter="phone_number_type")


def put_country_rules(session: Session, country_code: str, phone_number_type: str,
                      type_ids: list[str], now: datetime) -> list[str]:
    """Replace the requirement types that numbers of this country and type need."""
    check_pair(country_code, phone_number_type)
    known = store.types_by_id(session, set(type_ids))
    for index, type_id in enumerate(type_ids):
        if type_id not in known:
            raise InvalidRequest(f"Unknown requirement type {type_id}.",
                                 pointer=f"/requirement_type_ids/{index}")
        if type_id in type_ids[:index]:
            raise InvalidRequest(f"Requirement type {type_id} is listed twice.",
                                 pointer=f"/requirement_type_ids/{index}")
    store.delete_rules(session, country_code, phone_number_type)
    store.add_rules(session, [
        CountryRequirement(country_code=country_code, phone_number_type=phone_number_type,
                           requirement_type_id=type_id, created_at=now)
        for type_id in type_ids])
    return sorted(type_ids)


def delete_country_rules(session: Session, country_code: str, phone_number_type: str) -> None:
    check_pair(country_code, phone_number_type)
    if not store.delete_rules(session, country_code, phone_number_type):
        raise NotFound(f"No requirements are set for {phone_number_type} numbers of"
                       f" {country_code}.")
