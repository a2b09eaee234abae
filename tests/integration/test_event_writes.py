"""How events and their deliveries reach the database: in bulk at the end of their
transaction, yet readable inside it, counted, and gone with a rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portin.domain import events as payloads
from portin.domain.events import EventType
from portin.domain.timefmt import utcnow
from portin.services.events import facts, record
from portin.storage import events as event_store
from portin.storage.db import Database
from portin.storage.events import EventFilters
from portin.storage.models import Delivery, PortingEvent, PortingOrder
from portin.storage.paging import PageRequest
from tests.conftest import Api


def record_comment(session: Session, order_id: str, body: str) -> str:
    order = session.get(PortingOrder, order_id)
    assert order is not None
    now = utcnow()
    return record(session, order, EventType.NEW_COMMENT, payloads.new_comment(
        facts(order), f"c-{body}", body, now, None, "admin"), now)


def comment(db: Database, order_id: str, *bodies: str) -> list[str]:
    with db.writing() as session:
        return [record_comment(session, order_id, body) for body in bodies]


def fails_after_recording(session: Session, order_id: str) -> None:
    record_comment(session, order_id, "lost")
    raise RuntimeError("the change fails after its event was recorded")


def test_many_events_of_one_transaction_are_all_written_in_order_and_counted(
        api: Api, db: Database) -> None:
    api.subscribe("webhook", "http://127.0.0.1:9/hook")
    order = api.create_order("+13032220001")
    before = len(api.events())
    ids = comment(db, order["id"], *(f"n{i}" for i in range(50)))
    listed = api.events(**{"page[size]": 250})
    assert len(listed) == before + 50
    assert [e["id"] for e in listed[:50]] == list(reversed(ids))  # newest first, by seq
    assert api.user("GET", "/v2/porting/events")["meta"]["total_results"] == before + 50
    with db.reading() as session:
        delivered_to = session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.event_id.in_(ids))
        ).scalar_one()
    assert delivered_to == 50


def test_a_transaction_reads_the_events_it_has_recorded(api: Api, db: Database) -> None:
    order = api.create_order("+13032220001")
    with db.writing() as session:
        event_id = record_comment(session, order["id"], "inside")
        found = session.execute(select(PortingEvent).where(PortingEvent.id == event_id)
                                ).scalar_one()
        assert found.payload["comment"]["body"] == "inside"
        page = event_store.list_events(session, EventFilters(found.organization_id),
                                       PageRequest(1, 20))
        assert event_id in [e.id for e in page.items]


def test_a_rolled_back_transaction_leaves_no_event_delivery_or_count(
        api: Api, db: Database) -> None:
    api.subscribe("webhook", "http://127.0.0.1:9/hook")
    order = api.create_order("+13032220001")
    total = api.user("GET", "/v2/porting/events")["meta"]["total_results"]
    with pytest.raises(RuntimeError), db.writing() as session:
        fails_after_recording(session, order["id"])
    assert api.user("GET", "/v2/porting/events")["meta"]["total_results"] == total
    assert len(api.events()) == total
    with db.reading() as session:
        assert session.execute(select(func.count()).select_from(Delivery)).scalar_one() == 0


def test_a_session_reused_after_a_rollback_does_not_write_what_was_rolled_back(
        api: Api, db: Database) -> None:
    order = api.create_order("+13032220001")
    with db.session() as session:
        with pytest.raises(RuntimeError), session.begin():
            fails_after_recording(session, order["id"])
        with session.begin():
            record_comment(session, order["id"], "kept")
    assert [e["payload"]["comment"]["body"] for e in api.events()
            if e["event_type"] == "porting_order.new_comment"] == ["kept"]
