"""Queries over the portability rules table (shared by every organization)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portin.domain.portability import Rule
from portin.storage.models import PortabilityRule


def lock_for_writes(session: Session) -> None:
    """Writers of this table take turns, so two PUTs of one new rule cannot both insert it
    (a primary key violation). SQLite's write transactions take turns already; on PostgreSQL
    readers (portability checks) are not held up."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE portability_rules IN SHARE ROW EXCLUSIVE MODE"))


def list_rules(session: Session) -> list[PortabilityRule]:
    """Every rule, by country then number type ("*" sorts first)."""
    return list(session.execute(select(PortabilityRule).order_by(
        PortabilityRule.country_code, PortabilityRule.phone_number_type)).scalars())


_ALL_RULES = select(PortabilityRule.country_code, PortabilityRule.phone_number_type,
                    PortabilityRule.portable, PortabilityRule.fast_portable,
                    PortabilityRule.not_portable_reason)


def domain_rules(session: Session) -> list[Rule]:
    """The table as the domain's rules, read in one query (no ORM objects: a check reads
    the whole table)."""
    rows = session.execute(_ALL_RULES)
    return [Rule(country_code=row.country_code, phone_number_type=row.phone_number_type,
                 portable=row.portable, fast_portable=row.fast_portable,
                 not_portable_reason=row.not_portable_reason) for row in rows]


def get_rule(session: Session, country_code: str, phone_number_type: str
             ) -> PortabilityRule | None:
    return session.get(PortabilityRule, (country_code, phone_number_type))


def put_rule(session: Session, rule: Rule, now: datetime) -> PortabilityRule:
    """Insert the rule or replace the one with its key."""
    lock_for_writes(session)
    row = get_rule(session, rule.country_code, rule.phone_number_type)
    if row is None:
        row = PortabilityRule(country_code=rule.country_code,
                              phone_number_type=rule.phone_number_type)
        session.add(row)
    row.portable = rule.portable
    row.fast_portable = rule.fast_portable
    row.not_portable_reason = rule.not_portable_reason
    row.updated_at = now
    session.flush()
    return row


def delete_rule(session: Session, row: PortabilityRule) -> None:
    session.delete(row)
    session.flush()
