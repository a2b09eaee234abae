"""Queries over the requirements catalogue (types, which apply where), the orders' values for
them, and the organizations' porting settings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, func, select
from sqlalchemy.orm import Session

from portin.storage import reference_data
from portin.storage.models import (
    CountryRequirement,
    PortingOrderRequirement,
    PortingPhoneNumber,
    PortingSettings,
    RequirementType,
)
from portin.storage.paging import Page, PageRequest, count_rows
from portin.storage.reads import rows as read_rows

# A phone number's place in the catalogue: (country_code, phone_number_type).
Pair = tuple[str | None, str]


# -- the catalogue --------------------------------------------------------------------------
def list_types(session: Session, page: PageRequest) -> Page[RequirementType]:
    stmt = select(RequirementType)
    total = count_rows(session, stmt)
    rows = session.execute(stmt.order_by(RequirementType.name, RequirementType.id)
                           .limit(page.size).offset(page.offset)).scalars().all()
    return Page(list(rows), total, page)


def get_type(session: Session, type_id: str) -> RequirementType | None:
    return session.get(RequirementType, type_id)


def types_by_id(session: Session, type_ids: Collection[str]) -> dict[str, RequirementType]:
    if not type_ids:
        return {}
    rows = session.execute(select(RequirementType)
                           .where(RequirementType.id.in_(list(type_ids)))).scalars()
    return {row.id: row for row in rows}


def count_rules_naming(session: Session, type_id: str) -> int:
    return int(session.execute(
        select(func.count()).select_from(CountryRequirement)
        .where(CountryRequirement.requirement_type_id == type_id)).scalar_one())


def count_values_of(session: Session, type_id: str) -> int:
    return int(session.execute(
        select(func.count()).select_from(PortingOrderRequirement)
        .where(PortingOrderRequirement.requirement_type_id == type_id)).scalar_one())


@dataclass(frozen=True)
class RuleFilters:
    country_code: str | None = None
    phone_number_type: str | None = None


def list_pairs(session: Session, filters: RuleFilters, page: PageRequest
               ) -> Page[tuple[str, str]]:
    """The (country, number type) pairs that have rules, in order."""
    stmt = select(CountryRequirement.country_code, CountryRequirement.phone_number_type)
    if filters.country_code is not None:
        stmt = stmt.where(CountryRequirement.country_code == filters.country_code)
    if filters.phone_number_type is not None:
        stmt = stmt.where(CountryRequirement.phone_number_type == filters.phone_number_type)
    stmt = stmt.distinct()
    total = count_rows(session, stmt)  # type: ignore[arg-type]
    rows = session.execute(stmt.order_by(CountryRequirement.country_code,
                                         CountryRequirement.phone_number_type)
                           .limit(page.size).offset(page.offset)).all()
    return Page([(row.country_code, row.phone_number_type) for row in rows], total, page)


def rules_for(session: Session, pairs: Collection[Pair]) -> dict[Pair, list[str]]:
    """The requirement type ids each pair needs (a pair without rules is left out)."""
    countries = sorted({country for country, _ in pairs if country is not None})
    if not countries:
        return {}
    rows = session.execute(
        select(CountryRequirement).where(CountryRequirement.country_code.in_(countries))
        .order_by(CountryRequirement.requirement_type_id)).scalars()
    wanted = set(pairs)
    rules: dict[Pair, list[str]] = defaultdict(list)
    for row in rows:
        pair = (row.country_code, row.phone_number_type)
        if pair in wanted:
            rules[pair].append(row.requirement_type_id)
    return dict(rules)


def delete_rules(session: Session, country_code: str, phone_number_type: str) -> int:
    result = session.execute(delete(CountryRequirement).where(
        CountryRequirement.country_code == country_code,
        CountryRequirement.phone_number_type == phone_number_type))
    return int(result.rowcount)  # type: ignore[attr-defined]


def add_rules(session: Session, rows: list[CountryRequirement]) -> None:
    session.add_all(rows)
    session.flush()


# -- orders' values -----------------------------------------------------------------------
_numbers = cast(Table, PortingPhoneNumber.__table__)
_rules = cast(Table, CountryRequirement.__table__)
_types = cast(Table, RequirementType.__table__)
_values = cast(Table, PortingOrderRequirement.__table__)
# What rendering orders reads, as rows (storage/reads.py), built once.
_NUMBER_PAIRS = (select(_numbers.c.porting_order_id, _numbers.c.country_code,
                        _numbers.c.phone_number_type).distinct()
                 .where(_numbers.c.porting_order_id.in_(bindparam("order_ids", expanding=True))))
_TYPES_OF_COUNTRIES = (select(_rules.c.country_code.label("rule_country_code"),
                              _rules.c.phone_number_type.label("rule_phone_number_type"), _types)
                       .join(_types, _types.c.id == _rules.c.requirement_type_id)
                       .where(_rules.c.country_code.in_(bindparam("countries", expanding=True))))
_VALUES = select(_values).where(
    _values.c.porting_order_id.in_(bindparam("order_ids", expanding=True)))


def number_pairs(session: Session, order_ids: Collection[str]) -> dict[str, set[Pair]]:
    """For each order, the distinct (country, number type) of the numbers on it."""
    if not order_ids:
        return {}
    pairs: dict[str, set[Pair]] = defaultdict(set)
    for row in read_rows(session, _NUMBER_PAIRS, {"order_ids": list(order_ids)}):
        pairs[row.porting_order_id].add((row.country_code, row.phone_number_type))
    return dict(pairs)


def types_for_pairs(session: Session, pairs: Collection[Pair]
                    ) -> dict[Pair, list[Row[Any]]]:
    """The requirement types each pair needs, as rows of requirement_types' columns, in one
    query (a pair without rules is left out)."""
    countries = sorted({country for country, _ in pairs if country is not None})
    if not countries:
        return {}
    wanted = set(pairs)
    types: dict[Pair, list[Row[Any]]] = defaultdict(list)
    for row in read_rows(session, _TYPES_OF_COUNTRIES, {"countries": countries}):
        pair = (row.rule_country_code, row.rule_phone_number_type)
        if pair in wanted:
            types[pair].append(row)
    return dict(types)


def value_objects_of(session: Session, order_ids: Collection[str]
                     ) -> dict[str, dict[str, PortingOrderRequirement]]:
    """For each order, its values by requirement type id, as ORM objects a write may change."""
    values: dict[str, dict[str, PortingOrderRequirement]] = defaultdict(dict)
    for row in session.execute(select(PortingOrderRequirement).where(
            PortingOrderRequirement.porting_order_id.in_(list(order_ids)))).scalars():
        values[row.porting_order_id][row.requirement_type_id] = row
    return dict(values)


def values_of(session: Session, order_ids: Collection[str]
              ) -> dict[str, dict[str, Row[Any]]]:
    """For each order, its values by requirement type id (rows, for display)."""
    if not order_ids:
        return {}
    values: dict[str, dict[str, Row[Any]]] = defaultdict(dict)
    for row in read_rows(session, _VALUES, {"order_ids": list(order_ids)}):
        values[row.porting_order_id][row.requirement_type_id] = row
    return dict(values)


def add_value(session: Session, row: PortingOrderRequirement) -> None:
    session.add(row)
    session.flush()


# -- settings -------------------------------------------------------------------------------
def get_settings(session: Session, organization_id: str) -> PortingSettings | None:
    return session.get(PortingSettings, organization_id)


def add_settings(session: Session, row: PortingSettings) -> None:
    session.add(row)
    session.flush()


# -- the shipped catalogue ------------------------------------------------------------------
def seed_catalogue(session: Session, now: datetime) -> None:
    """Insert the shipped catalogue (what migration 0014 seeds) into empty tables: for tests
    that empty the database between cases."""
    session.add_all(RequirementType(**{**row, "example": row.get("example")},
                                    created_at=now, updated_at=now)
                    for row in reference_data.load("requirement_types"))
    session.flush()
    session.add_all(CountryRequirement(country_code=rule["country_code"],
                                       phone_number_type=rule["phone_number_type"],
                                       requirement_type_id=type_id, created_at=now)
                    for rule in reference_data.load("requirements_by_country")
                    for type_id in rule["requirement_type_ids"])
    session.flush()
