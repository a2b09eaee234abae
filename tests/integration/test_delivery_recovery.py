"""POST /v2/webhook_deliveries/actions/recover (portin): every failed delivery of a time range
sent again as a new delivery, each once; bad input changes nothing; only the caller's
organization is touched."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select

from portin.cli.main import cli
from portin.config import Settings
from portin.domain.endpoint_health import RESUMED_PER_SECOND
from portin.domain.timefmt import utcnow
from portin.services import recovery
from portin.storage.db import Database
from portin.storage.models import Delivery
from portin.storage.recovery import FailedScope
from tests.conftest import Api, Tenant
from tests.support import waiting
from tests.support.receiver import Receiver
from tests.support.worker import running_worker

RECOVER = "/v2/webhook_deliveries/actions/recover"


def at(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def around_now(**body: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"since": at(now - timedelta(hours=1)), "until": at(now + timedelta(minutes=1)),
            **body}


def settle(api: Api, db: Database, settings: Settings) -> list[dict[str, Any]]:
    """Run the worker until no delivery of the tenant is pending."""
    def done() -> list[dict[str, Any]] | None:
        found = api.deliveries()
        return found if all(d["status"] != "pending" for d in found) else None
    with running_worker(db, settings):
        return list(waiting.wait_for(done, 30))


def failing_setup(api: Api, receiver: Receiver, prefix: str = "") -> dict[str, str]:
    """A channel and an order's webhook_url that both refuse (400, failed at once; a 410 would
    disable them, and a recover to a disabled destination waits, paused, for its enable), and one
    event sent to both."""
    channel = api.subscribe("webhook", receiver.behave(f"{prefix}/channel", status=400))
    order = api.create_order("+13032220001")
    api.user("PATCH", f"/v2/porting_orders/{order['id']}",
             json={"webhook_url": receiver.behave(f"{prefix}/order", status=400)})
    api.confirm(order["id"])
    return {**channel, "order_id": order["id"]}


def snapshot(db: Database) -> list[tuple[Any, ...]]:
    with db.reading() as session:
        return [tuple(row) for row in session.execute(
            select(Delivery.id, Delivery.status, Delivery.recovered_by).order_by(Delivery.id))]


def test_failed_deliveries_are_sent_again_once(api: Api, db: Database, settings: Settings,
                                              receiver: Receiver) -> None:
    setup = failing_setup(api, receiver)
    failed = settle(api, db, settings)
    assert sorted(d["status"] for d in failed) == ["failed", "failed"]
    (event_id,) = {d["event_id"] for d in failed}
    # The endpoint is fixed; the channel now points at a new URL.
    receiver.behave("/order", status=200)
    fixed = receiver.url("/fixed")
    api.user("PATCH", f"/v2/notification_channels/{setup['channel_id']}",
             json={"channel_destination": fixed})

    answer = api.user("POST", RECOVER, 202, json=around_now())["data"]
    assert answer["record_type"] == "delivery_recovery"
    assert (answer["recovered"], answer["queued"], answer["remaining"]) == (2, 2, 0)
    again = api.user("POST", RECOVER, 202, json=around_now())["data"]
    assert (again["recovered"], again["queued"], again["remaining"]) == (0, 0, 0)

    deliveries = settle(api, db, settings)
    new = [d for d in deliveries if d["republished"]]
    assert sorted(d["destination"] for d in new) == sorted([fixed, receiver.url("/order")])
    assert {d["status"] for d in new} == {"delivered"}
    assert {d["event_id"] for d in new} == {event_id}
    assert [r.attempt for r in receiver.at("/fixed") + receiver.at("/order")[1:]] == [1, 1]
    with db.reading() as session:
        recovered_by = dict(session.execute(
            select(Delivery.id, Delivery.recovered_by).where(Delivery.status == "failed")
        ).all())
    assert set(recovered_by.values()) == {d["id"] for d in new}
    assert {d["recovered_by"] for d in deliveries if d["status"] == "failed"} == {
        d["id"] for d in new}
    assert all(d["recovered_by"] is None for d in new)
    # Delivered since: nothing is failed and unrecovered in the range any more.
    assert api.user("POST", RECOVER, 202, json=around_now())["data"]["recovered"] == 0


def test_a_recover_can_be_narrowed_to_a_destination_or_a_channel(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    setup = failing_setup(api, receiver)
    settle(api, db, settings)
    order_url = receiver.url("/order")
    by_destination = api.user("POST", RECOVER, 202,
                              json=around_now(destination=order_url))["data"]
    assert (by_destination["recovered"], by_destination["destination"]) == (1, order_url)
    by_channel = api.user("POST", RECOVER, 202, json=around_now(
        notification_channel_id=setup["channel_id"]))["data"]
    assert by_channel["recovered"] == 1
    new = [d for d in api.deliveries() if d["republished"]]
    assert sorted((d["destination"], d["notification_channel_id"]) for d in new) == sorted([
        (order_url, None), (receiver.url("/channel"), setup["channel_id"])])


def test_outside_the_range_nothing_is_recovered(api: Api, db: Database, settings: Settings,
                                                receiver: Receiver) -> None:
    failing_setup(api, receiver)
    settle(api, db, settings)
    before = snapshot(db)
    now = datetime.now(UTC)
    for since, until in ((now - timedelta(days=2), now - timedelta(days=1)),
                         (now + timedelta(minutes=5), now + timedelta(days=31, minutes=5))):
        answer = api.user("POST", RECOVER, 202, json={"since": at(since), "until": at(until)})
        assert answer["data"]["recovered"] == 0
    assert snapshot(db) == before


def test_a_deleted_channel_is_not_sent_to_again(api: Api, db: Database, settings: Settings,
                                               receiver: Receiver) -> None:
    setup = failing_setup(api, receiver)
    settle(api, db, settings)
    api.user("DELETE", f"/v2/notification_channels/{setup['channel_id']}")
    answer = api.user("POST", RECOVER, 202, json=around_now())["data"]
    assert (answer["recovered"], answer["remaining"]) == (1, 0)
    (new,) = [d for d in api.deliveries() if d["republished"]]
    assert new["destination"] == receiver.url("/order")


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({}, "/since"),
    ({"since": "2026-12-01T00:00:00Z"}, "/until"),
    ({"until": "2026-12-01T00:00:00Z"}, "/since"),
    ({"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "/until"),  # reversed
    ({"since": "2026-10-01T00:00:00Z", "until": "2026-11-01T00:00:01Z"}, "/until"),  # > 31 days
    ({"since": "2026-12-01T00:00:00", "until": "2026-12-02T00:00:00Z"}, "/since"),  # no zone
    ({"since": "yesterday", "until": "2026-12-02T00:00:00Z"}, "/since"),
    ({"since": "2026-12-01T00:00:00Z", "until": "2026-12-02T00:00:00Z", "destination": ""},
     "/destination"),
    ({"since": "2026-12-01T00:00:00Z", "until": "2026-12-02T00:00:00Z", "extra": 1},
     "/extra"),
    ({**around_now(), "notification_channel_id": "00000000-0000-0000-0000-000000000000"},
     "/notification_channel_id"),
]


def test_bad_input_is_refused_and_changes_nothing(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    failing_setup(api, receiver)
    settle(api, db, settings)
    before = snapshot(db)
    assert [row[1] for row in before] == ["failed", "failed"]
    for body, pointer in BAD_BODIES:
        answer = api.user("POST", RECOVER, 422, json=body)
        assert answer["errors"][0]["code"] == "10015"
        assert answer["errors"][0]["source"]["pointer"] == pointer, body
    assert snapshot(db) == before


def test_a_body_that_is_not_json_is_a_400(api: Api) -> None:
    answer = api.client.post(RECOVER, content=b"{since", headers={
        **api.tenant.headers, "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "10015"


def test_31_days_is_allowed(api: Api) -> None:
    answer = api.user("POST", RECOVER, 202, json={"since": "2026-10-01T00:00:00Z",
                                                  "until": "2026-11-01T00:00:00Z"})
    assert answer["data"]["recovered"] == 0


def test_only_the_callers_organization_is_touched(
        api: Api, db: Database, settings: Settings, receiver: Receiver,
        other_tenant: Tenant) -> None:
    failing_setup(api, receiver, prefix="/mine")
    theirs_api = Api(api.client, other_tenant, api.operator)
    theirs = failing_setup(theirs_api, receiver, prefix="/theirs")
    settle(api, db, settings)
    settle(theirs_api, db, settings)
    theirs_ids = {d["id"] for d in theirs_api.deliveries()}
    theirs_before = [row for row in snapshot(db) if row[0] in theirs_ids]
    # Their channel, named by id, is not one of mine: 422, as any body naming another's row.
    refused = api.user("POST", RECOVER, 422, json=around_now(
        notification_channel_id=theirs["channel_id"]))
    assert refused["errors"][0]["source"]["pointer"] == "/notification_channel_id"
    # Their destination matches nothing of mine.
    none = api.user("POST", RECOVER, 202,
                    json=around_now(destination=receiver.url("/theirs/order")))["data"]
    assert none["recovered"] == 0
    assert api.user("POST", RECOVER, 202, json=around_now())["data"]["recovered"] == 2
    assert [row for row in snapshot(db) if row[0] in theirs_ids] == theirs_before
    assert len(theirs_api.deliveries()) == 2
    assert len(api.deliveries()) == 4
    # Theirs recover theirs alone.
    assert theirs_api.user("POST", RECOVER, 202, json=around_now())["data"]["recovered"] == 2
    assert len(api.deliveries()) == 4


def test_one_call_recovers_at_most_its_share_and_says_what_remains(
        db: Database, settings: Settings, receiver: Receiver, api: Api) -> None:
    failing_setup(api, receiver)
    settle(api, db, settings)
    now = utcnow()
    scope = FailedScope(api.tenant.organization_id, now - timedelta(hours=1), now)
    with db.writing() as session:
        first = recovery.recover(session, scope, now, limit=1)
    with db.writing() as session:
        second = recovery.recover(session, scope, now, limit=1)
    with db.writing() as session:
        third = recovery.recover(session, scope, now, limit=1)
    assert [(r.recovered, r.remaining) for r in (first, second, third)] == [
        (1, 1), (1, 0), (0, 0)]
    with db.reading() as session:
        total = session.execute(select(func.count()).select_from(Delivery)).scalar_one()
    assert total == 4



def test_the_cli_recovers_the_same_way(api: Api, db: Database, settings: Settings,
                                       receiver: Receiver, database_url: str) -> None:
    failing_setup(api, receiver)
    settle(api, db, settings)
    body = around_now()
    args = ["recover", "--org", api.tenant.organization_id, "--since", body["since"],
            "--until", body["until"], "--database-url", database_url, "--json"]
    result = CliRunner().invoke(cli, [*args, "--all"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"recovered": 2, "queued": 2, "remaining": 0}
    again = CliRunner().invoke(cli, args)
    assert json.loads(again.output)["recovered"] == 0
    reversed_range = CliRunner().invoke(cli, ["recover", "--org", api.tenant.organization_id,
                                              "--since", body["until"], "--until",
                                              body["since"], "--database-url", database_url])
    assert reversed_range.exit_code != 0
    assert "until must not be before since" in reversed_range.output
    no_zone = CliRunner().invoke(cli, ["recover", "--org", api.tenant.organization_id,
                                       "--since", "2026-12-01T00:00:00", "--until",
                                       body["until"], "--database-url", database_url])
    assert no_zone.exit_code == 2 and "needs a time zone" in no_zone.output
    assert len(api.deliveries()) == 4


def test_two_recovers_at_once_take_each_failed_delivery_once(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    """The first holds its transaction open after recovering; the second starts meanwhile
    and must not recover the same rows (PostgreSQL: it waits for the first's row locks, then
    finds them recovered; SQLite: it waits for the write lock)."""
    failing_setup(api, receiver)
    settle(api, db, settings)
    now = utcnow()
    scope = FailedScope(api.tenant.organization_id, now - timedelta(hours=1), now)
    first_recovered = threading.Event()
    results: dict[str, recovery.Recovery] = {}

    def first() -> None:
        with db.writing() as session:
            results["first"] = recovery.recover(session, scope, now)
            first_recovered.set()
            time.sleep(0.5)  # commit late: the second is waiting by now

    def second() -> None:
        assert first_recovered.wait(10)
        with db.writing() as session:
            results["second"] = recovery.recover(session, scope, now)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (results["first"].recovered, results["second"].recovered) == (2, 0)
    assert len(api.deliveries()) == 4


def test_a_recover_to_a_disabled_destination_waits_paused_for_its_enable(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    gone = receiver.behave("/gone", status=410)
    api.subscribe("webhook", gone)
    order = api.create_order("+13032220001")
    api.confirm(order["id"])
    assert [d["status"] for d in settle(api, db, settings)] == ["failed"]
    receiver.behave("/gone", status=200)
    answer = api.user("POST", RECOVER, 202, json=around_now())["data"]
    assert answer["recovered"] == 1
    deliveries = settle(api, db, settings)
    assert sorted(d["status"] for d in deliveries) == ["failed", "paused"]
    (destination,) = api.user("GET", "/v2/delivery_destinations")["data"]
    assert destination["state"] == "disabled" and destination["paused_deliveries"] == 1
    api.user("POST", f"/v2/delivery_destinations/{destination['id']}/actions/enable")
    deliveries = settle(api, db, settings)
    assert sorted(d["status"] for d in deliveries) == ["delivered", "failed"]


def test_recovered_deliveries_come_due_one_after_another(
        db: Database, settings: Settings, receiver: Receiver, api: Api) -> None:
    """A recover of many failed deliveries makes a stream for the workers, not a wall: the
    n-th is due n / RESUMED_PER_SECOND after the recover, oldest first."""
    failing_setup(api, receiver)
    settle(api, db, settings)
    now = utcnow()
    scope = FailedScope(api.tenant.organization_id, now - timedelta(hours=1), now)
    with db.writing() as session:
        assert recovery.recover(session, scope, now).queued == 2
    with db.reading() as session:
        due = list(session.execute(select(Delivery.next_attempt_at)
                                   .where(Delivery.status == "pending")
                                   .order_by(Delivery.next_attempt_at)).scalars())
    assert [d.replace(tzinfo=UTC) - now for d in due] == [
        timedelta(0), timedelta(microseconds=round(1_000_000 / RESUMED_PER_SECOND))]
