"""The desk's reference tables under concurrent writers (PostgreSQL, where writers do not
queue by themselves): two upserts of one new key both succeed, leaving one row."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portin.domain.portability import Rule
from portin.domain.timefmt import utcnow
from portin.domain.uk_carriers import CarrierEntry
from portin.services import portability as portability_service
from portin.services import uk_carriers as carrier_service
from portin.storage.db import Database
from portin.storage.models import PortabilityRule, UkCarrier


def race(db: Database, first: Callable[[Session], object],
         second: Callable[[Session], object]) -> list[BaseException]:
    """`first` writes and holds its transaction open while `second` starts; then it commits."""
    first_wrote, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def run_first() -> None:
        try:
            with db.writing() as session:
                first(session)
                first_wrote.set()
                second_started.wait(10)
                threading.Event().wait(0.3)  # let the second reach its lock (or its insert)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
            first_wrote.set()

    def run_second() -> None:
        first_wrote.wait(10)
        second_started.set()
        try:
            with db.writing() as session:
                second(session)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return errors


def test_two_upserts_of_one_new_cupid_leave_one_carrier(postgres_db: Database) -> None:
    def upsert(name: str) -> Callable[[Session], object]:
        return lambda session: carrier_service.upsert(
            session, [CarrierEntry(name, "895", ())], utcnow())

    assert race(postgres_db, upsert("First"), upsert("Second")) == []
    with postgres_db.reading() as session:
        names = list(session.execute(select(UkCarrier.name)).scalars())
    assert names == ["Second"]


def test_two_puts_of_one_new_rule_leave_one_rule(postgres_db: Database) -> None:
    def put(fast: bool) -> Callable[[Session], object]:
        return lambda session: portability_service.put_rule(
            session, Rule("DE", "landline", True, fast, ""), utcnow())

    assert race(postgres_db, put(False), put(True)) == []
    with postgres_db.reading() as session:
        count = session.execute(
            select(func.count()).select_from(PortabilityRule)
            .where(PortabilityRule.country_code == "DE",
                   PortabilityRule.phone_number_type == "landline")).scalar()
        rule = session.get(PortabilityRule, ("DE", "landline"))
    assert count == 1 and rule is not None and rule.fast_portable
