"""GET /v2/porting/event_feed (portin's addition): an organization's events in commit order,
followed by cursor; each order's events numbered 1, 2, 3 ... (`sequence`), also in
/v2/porting/events (the telnyx SDK reading it strictly: tests/acceptance/test_event_feed.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api, Tenant, make_tenant

FEED = "/v2/porting/event_feed"


def n(i: int) -> str:
    return f"+1303222{i:04d}"


def history(api: Api) -> list[str]:
    """Two orders with a few events each, interleaved: confirm, comment, move, split."""
    first = api.create_order(n(1), n(2))
    second = api.create_order(n(3))
    api.confirm(first["id"])
    api.user("POST", f"/v2/porting_orders/{second['id']}/comments", 201, json={"body": "hi"})
    api.confirm(second["id"])
    api.move(first["id"], "submitted")
    api.op("POST", f"/v2/operator/porting_orders/{first['id']}/split", 201,
           json={"phone_numbers": [n(2)]})
    return [first["id"], second["id"]]


def follow(api: Api, limit: int, after: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """Every page from `after` to the end; the events and the last next_cursor."""
    seen: list[dict[str, Any]] = []
    cursor = after
    for _ in range(100):
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["after"] = cursor
        page = api.user("GET", FEED, params=params)
        assert len(page["data"]) <= limit
        assert page["meta"]["after"] == (cursor or "0")
        seen += page["data"]
        cursor = page["meta"]["next_cursor"]
        if not page["meta"]["has_more"]:
            return seen, cursor
    raise AssertionError("the feed did not end")


def test_the_feed_is_every_event_once_oldest_first_in_pages(api: Api) -> None:
    history(api)
    listed = list(reversed(api.events(**{"page[size]": 250})))  # the list is newest first
    for limit in (1, 2, 3, 100):
        seen, last = follow(api, limit)
        assert [e["id"] for e in seen] == [e["id"] for e in listed]
        assert [e["cursor"] for e in seen] == [str(i) for i in range(1, len(listed) + 1)]
        assert last == seen[-1]["cursor"]
        # The feed's items are the event resources, with their cursor beside.
        for item, event in zip(seen, listed, strict=True):
            assert {k: v for k, v in item.items() if k != "cursor"} == event
    # Caught up: an empty page that keeps its cursor.
    page = api.user("GET", FEED, params={"after": last})
    assert page == {"data": [], "meta": {"after": last, "next_cursor": last, "has_more": False}}
    # New events follow on from the cursor.
    order = api.create_order(n(9))
    api.confirm(order["id"])
    more, _ = follow(api, 10, after=last)
    assert [(e["porting_order_id"], e["sequence"]) for e in more] == [(order["id"], 1)]


def test_each_orders_events_are_numbered_from_one_without_gaps(api: Api) -> None:
    orders = history(api)
    events = list(reversed(api.events(**{"page[size]": 250})))
    by_order: dict[str, list[int]] = {}
    for event in events:
        by_order.setdefault(event["porting_order_id"], []).append(event["sequence"])
    assert set(orders) <= set(by_order)
    for sequences in by_order.values():
        assert sequences == list(range(1, len(sequences) + 1))
    one = events[-1]
    assert api.user("GET", f"/v2/porting/events/{one['id']}")["data"]["sequence"] == (
        one["sequence"])


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", " 1", "+1", "0x10", "1" * 19, "\u0661"])
def test_a_malformed_cursor_is_refused(api: Api, after: str) -> None:
    body = api.user("GET", FEED, 422, params={"after": after})
    assert body["errors"][0]["source"] == {"parameter": "after"}
    assert body["errors"][0]["code"] == "10015"


@pytest.mark.parametrize("limit", ["0", "1001", "x"])
def test_a_bad_limit_is_refused(api: Api, limit: str) -> None:
    response = api.client.get(FEED, params={"limit": limit}, headers=api.tenant.headers)
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["source"] == {"parameter": "limit"}


def test_a_cursor_beyond_the_last_event_is_not_found(api: Api) -> None:
    assert api.user("GET", FEED, 404, params={"after": "1"})["errors"][0]["source"] == {
        "parameter": "after"}
    history(api)
    _, last = follow(api, 100)
    assert api.user("GET", FEED, params={"after": last})["data"] == []
    body = api.user("GET", FEED, 404, params={"after": str(int(last) + 1)})
    assert body["errors"][0]["code"] == "10005"


def test_one_organization_never_sees_anothers_events(api: Api, other_tenant: Tenant) -> None:
    history(api)
    mine, last = follow(api, 100)
    other = Api(api.client, other_tenant, api.operator)
    assert other.user("GET", FEED)["data"] == []
    # My cursor names nothing in the other organization's (empty) feed.
    other.user("GET", FEED, 404, params={"after": last})
    order = other.create_order(n(7))
    other.confirm(order["id"])
    theirs, their_last = follow(other, 100)
    assert [e["porting_order_id"] for e in theirs] == [order["id"]]
    assert their_last == "1"  # each organization's feed counts from 1
    assert not {e["id"] for e in theirs} & {e["id"] for e in mine}
    again, _ = follow(api, 100)
    assert again == mine


def test_the_feed_needs_a_user_key(client: TestClient, operator: dict[str, str]) -> None:
    assert client.get(FEED).status_code == 401
    assert client.get(FEED, headers=operator).status_code == 403


def test_feed_positions_count_per_organization(db: Any, api: Api) -> None:
    """A third organization created later still starts at 1, whatever the others wrote."""
    history(api)
    late = Api(api.client, make_tenant(db, "late"), api.operator)
    order = late.create_order(n(8))
    late.confirm(order["id"])
    assert [e["cursor"] for e in follow(late, 5)[0]] == ["1"]
