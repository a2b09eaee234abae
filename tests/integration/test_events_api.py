"""The event history: filters, pages, retrieval, and events tied to their change's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portin.domain.timefmt import utcnow
from portin.services import orders as order_service
from portin.storage.db import Database
from tests.conftest import Api, Tenant


def n(i: int) -> str:
    return f"+1303222{i:04d}"


def test_event_resource_shape(api: Api) -> None:
    order = api.create_order(n(1))
    api.confirm(order["id"])
    event = api.events()[0]
    assert set(event) >= {"id", "event_type", "payload", "payload_status", "porting_order_id",
                          "available_notification_methods", "created_at", "updated_at",
                          "record_type"}
    assert event["record_type"] == "porting_event"
    assert event["payload_status"] == "completed"
    assert event["porting_order_id"] == order["id"]
    single = api.user("GET", f"/v2/porting/events/{event['id']}")
    assert single == {"data": event}


def test_each_filter_narrows_the_list(api: Api) -> None:
    first = api.create_order(n(1))
    second = api.create_order(n(2))
    api.confirm(first["id"])
    api.confirm(second["id"])
    api.user("POST", f"/v2/porting_orders/{first['id']}/comments", 201, json={"body": "hi"})
    assert len(api.events()) == 3
    by_order = api.events(**{"filter[porting_order_id]": first["id"]})
    assert {e["porting_order_id"] for e in by_order} == {first["id"]} and len(by_order) == 2
    by_type = api.events(**{"filter[type]": "porting_order.new_comment"})
    assert [e["event_type"] for e in by_type] == ["porting_order.new_comment"]
    both = api.events(**{"filter[porting_order_id]": second["id"],
                         "filter[type]": "porting_order.new_comment"})
    assert both == []
    future = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert api.events(**{"filter[created_at][gte]": future}) == []
    assert len(api.events(**{"filter[created_at][gte]": past})) == 3
    assert api.events(**{"filter[created_at][lte]": past}) == []
    assert len(api.events(**{"filter[created_at][lte]": future})) == 3


def test_created_at_bounds_are_inclusive(api: Api) -> None:
    api.confirm(api.create_order(n(1))["id"])
    stamp = api.events()[0]["created_at"]
    assert len(api.events(**{"filter[created_at][gte]": stamp,
                             "filter[created_at][lte]": stamp})) == 1


def test_pages_cover_every_event_once_newest_first(api: Api) -> None:
    order = api.create_order(n(1))
    for i in range(7):
        api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201,
                 json={"body": f"c{i}"})
    seen = []
    for page in (1, 2, 3):
        body = api.user("GET", "/v2/porting/events",
                        params={"page[size]": 3, "page[number]": page})
        assert body["meta"] == {"page_number": page, "page_size": 3, "total_pages": 3,
                                "total_results": 7}
        seen += [e["payload"]["comment"]["body"] for e in body["data"]]
    assert seen == [f"c{i}" for i in reversed(range(7))]


def test_a_rolled_back_change_leaves_no_event(db: Database, tenant: Tenant) -> None:
    with db.writing() as session:
        order = order_service.create_order(session, tenant.organization_id, [n(1)], None, None,
                                           utcnow())
    def confirm_then_die() -> None:
        with db.writing() as session:
            order_service.confirm(session, tenant.organization_id, order.id, utcnow())
            raise RuntimeError("the process died before commit")

    with pytest.raises(RuntimeError):
        confirm_then_die()
    with db.reading() as session:
        fresh = order_service.require_order(session, order.id, tenant.organization_id)
        assert fresh.status == "draft"
        from portin.storage import events as event_store
        from portin.storage.events import EventFilters
        from portin.storage.paging import PageRequest

        page = event_store.list_events(session, EventFilters(tenant.organization_id),
                                       PageRequest())
        assert page.total == 0


def test_every_page_size_walks_the_same_order(api: Api) -> None:
    """Pages in the older half are read from the other end; the order must not change."""
    order = api.create_order(n(1))
    for i in range(10):
        api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201,
                 json={"body": f"c{i}"})
    everything = [e["id"] for e in api.events(**{"page[size]": 250})]
    assert len(everything) == 10
    for size in range(1, 12):
        walked: list[str] = []
        for number in range(1, 12 // size + 3):
            walked += [e["id"] for e in api.events(**{"page[size]": size,
                                                      "page[number]": number})]
        assert walked == everything, size
    typed = api.events(**{"filter[type]": "porting_order.new_comment", "page[size]": 3,
                          "page[number]": 4})
    assert [e["id"] for e in typed] == everything[9:]


def test_counts_follow_writes_per_organization_and_type(api: Api, other_tenant: Tenant,
                                                        client: Any) -> None:
    order = api.create_order(n(1))
    api.confirm(order["id"])
    api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201, json={"body": "x"})
    meta = api.user("GET", "/v2/porting/events")["meta"]
    assert meta["total_results"] == 2
    typed = api.user("GET", "/v2/porting/events",
                     params={"filter[type]": "porting_order.new_comment"})["meta"]
    assert typed["total_results"] == 1
    theirs = client.get("/v2/porting/events", headers=other_tenant.headers).json()["meta"]
    assert theirs["total_results"] == 0


def test_recount_rebuilds_counts_from_the_events(api: Api, db: Database) -> None:
    from sqlalchemy import update

    from portin.storage.events import recount
    from portin.storage.models import EventCount

    api.confirm(api.create_order(n(1))["id"])
    with db.writing() as session:
        session.execute(update(EventCount).values(count=99))
    assert api.user("GET", "/v2/porting/events")["meta"]["total_results"] == 99
    with db.writing() as session:
        recount(session)
    assert api.user("GET", "/v2/porting/events")["meta"]["total_results"] == 1
