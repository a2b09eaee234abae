"""Portability checks and the porting desk's edits of the rules table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain import portability
from portin.domain.errors import NotFound
from portin.domain.portability import Rule, Verdict
from portin.storage import portability as store
from portin.storage import reference_data
from portin.storage.models import PortabilityRule


def check(session: Session, numbers: Iterable[str]) -> list[Verdict]:
    """One verdict per number, under the rules as the table holds them now."""
    return portability.evaluate_all(numbers, portability.rule_book(store.domain_rules(session)))


def fast_port_eligible(session: Session, numbers: Iterable[str]) -> bool:
    """An order's `fast_port_eligible`: every one of its numbers (at least one) may take the
    FastPort lane under the rules table."""
    return portability.all_fast_portable(
        numbers, portability.rule_book(store.domain_rules(session)))


def list_rules(session: Session) -> list[PortabilityRule]:
    return store.list_rules(session)


def put_rule(session: Session, rule: Rule, now: datetime) -> PortabilityRule:
    return store.put_rule(session, portability.check_rule(rule), now)


def delete_rule(session: Session, country_code: str, phone_number_type: str
                ) -> PortabilityRule:
    store.lock_for_writes(session)  # before the read: a concurrent delete has committed
    row = store.get_rule(session, country_code, phone_number_type)
    if row is None:
        raise NotFound(f"There is no portability rule for {country_code!r}"
                       f" {phone_number_type!r} numbers.")
    store.delete_rule(session, row)
    return row


def shipped_rules() -> list[Rule]:
    """The defaults shipped in the package (what the migration seeds)."""
    return [Rule(**row) for row in reference_data.load("portability_rules")]
