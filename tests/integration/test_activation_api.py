"""FOC windows and activation on SQLite and PostgreSQL: allowed windows and the FOC date they
bound, the operator's lead-time and holiday tables, activation jobs, the desk's outcome of a
job, the scheduler's port of orders nobody activated, and the refusals of each."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from portin.domain.errors import Conflict
from portin.domain.timefmt import utcnow
from portin.services import activation as activation_service
from portin.services import foc as foc_service
from portin.services import orders as order_service
from portin.storage import orders as order_store
from portin.storage.db import Database
from portin.storage.models import ActivationJob, PortingEvent
from tests.conftest import Api, Tenant, make_tenant

DENVER = ZoneInfo("America/Denver")


def number(i: int) -> str:
    return f"+1303444{i:04d}"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def windows(api: Api, order_id: str) -> list[dict[str, Any]]:
    body = api.user("GET", f"/v2/porting_orders/{order_id}/allowed_foc_windows")
    return list(body["data"])


def confirmed_order(api: Api, *numbers: str, foc: datetime | None = None) -> str:
    """An order moved by the desk to foc-date-confirmed (FOC three days out unless given)."""
    order_id: str = api.create_order(*numbers)["id"]
    api.confirm(order_id)
    api.move(order_id, "submitted")
    body: dict[str, Any] = {"value": "foc-date-confirmed"}
    if foc is not None:
        body["foc_datetime"] = foc.isoformat()
    api.op("POST", f"/v2/operator/porting_orders/{order_id}/status", json=body)
    return order_id


def activate(api: Api, order_id: str, expect: int = 202) -> Any:
    return api.user("POST", f"/v2/porting_orders/{order_id}/actions/activate", expect)


def jobs_path(order_id: str) -> str:
    return f"/v2/porting_orders/{order_id}/activation_jobs"


def finish(api: Api, order_id: str, job_id: str, status: str, expect: int = 200) -> Any:
    return api.op("POST", f"/v2/operator/porting_orders/{order_id}/activation_jobs/{job_id}",
                  expect, json={"status": status})


# -- allowed FOC windows ----------------------------------------------------------------
def test_allowed_windows_are_business_hours_after_the_lead_time(api: Api) -> None:
    order = api.create_order(number(1))
    body = api.user("GET", f"/v2/porting_orders/{order['id']}/allowed_foc_windows")
    found = body["data"]
    assert body["meta"]["page_number"] == 1 and body["meta"]["total_pages"] == 1
    assert body["meta"]["total_results"] == len(found) >= 15
    now = datetime.now(UTC)
    assert parse(found[0]["started_at"]) > now + timedelta(days=2)  # three business days
    assert parse(found[-1]["started_at"]) < now + timedelta(days=30)
    for window in found:
        assert set(window) == {"started_at", "ended_at", "record_type"}
        assert window["record_type"] == "allowed_foc_window"
        start = parse(window["started_at"]).astimezone(DENVER)
        end = parse(window["ended_at"]).astimezone(DENVER)
        assert start.weekday() < 5 and start.hour == 9 and end.hour == 17
        assert start.date() == end.date()


def test_requested_foc_inside_a_window_is_kept_outside_is_422_and_changes_nothing(
        api: Api) -> None:
    order = api.create_order(number(1))
    path = f"/v2/porting_orders/{order['id']}"
    first = windows(api, order["id"])[0]
    inside = parse(first["started_at"]) + timedelta(hours=1)
    body = api.user("PATCH", path, json={
        "activation_settings": {"foc_datetime_requested": inside.isoformat()}})
    assert parse(body["data"]["activation_settings"]["foc_datetime_requested"]) == inside
    before = api.user("GET", path)["data"]
    night = parse(first["ended_at"]) + timedelta(hours=2)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    beyond = datetime.now(UTC) + timedelta(days=40)
    for outside in (night, tomorrow, beyond, parse(first["started_at"]) - timedelta(seconds=1)):
        error = api.user("PATCH", path, 422, json={
            "activation_settings": {"foc_datetime_requested": outside.isoformat()}})
        assert error["errors"][0]["source"] == {
            "pointer": "/activation_settings/foc_datetime_requested"}
        assert "allowed_foc_windows" in error["errors"][0]["detail"]
    assert api.user("GET", path)["data"] == before
    # The window's ends are inside it.
    api.user("PATCH", path, json={
        "activation_settings": {"foc_datetime_requested": first["ended_at"]}})


def test_zones_of_several_numbers_intersect(api: Api) -> None:
    order = api.create_order(number(1), "+12125550100")  # Denver and New York
    for window in windows(api, order["id"]):
        start = parse(window["started_at"])
        assert start.astimezone(DENVER).hour == 9  # 11:00 in New York
        assert parse(window["ended_at"]).astimezone(ZoneInfo("America/New_York")).hour == 17


def test_windows_of_another_organizations_order_are_404(api: Api, client: TestClient,
                                                        other_tenant: Tenant) -> None:
    order = api.create_order(number(1))
    for path in (f"/v2/porting_orders/{order['id']}/allowed_foc_windows",
                 jobs_path(order["id"])):
        assert client.get(path, headers=other_tenant.headers).status_code == 404
    assert client.post(f"/v2/porting_orders/{order['id']}/actions/activate",
                       headers=other_tenant.headers).status_code == 404
    api.user("GET", "/v2/porting_orders/nope/allowed_foc_windows", 404)


# -- the operator's tables --------------------------------------------------------------
def test_operator_edits_lead_times_and_the_windows_follow(api: Api) -> None:
    order = api.create_order(number(1))
    seeded = api.op("GET", "/v2/operator/foc_lead_times")["data"]
    us = next(r for r in seeded if (r["country_code"], r["phone_number_type"]) == ("US", "*"))
    assert us["lead_business_days"] == 3 and us["time_zone"] == "America/New_York"
    assert us["record_type"] == "foc_lead_time"
    before = windows(api, order["id"])
    body = api.op("PUT", "/v2/operator/foc_lead_times/US/local",
                  json={"lead_business_days": 8, "time_zone": None})
    assert body["data"]["lead_business_days"] == 8
    after = windows(api, order["id"])
    assert len(after) == len(before) - 5 and after[0] == before[5]
    api.op("DELETE", "/v2/operator/foc_lead_times/US/local", 204)
    assert windows(api, order["id"]) == before or windows(api, order["id"])[0] == before[0]


@pytest.mark.parametrize(("path", "body", "pointer"), [
    ("/v2/operator/foc_lead_times/usa/*", {"lead_business_days": 3}, "/country_code"),
    ("/v2/operator/foc_lead_times/us/*", {"lead_business_days": 3}, "/country_code"),
    ("/v2/operator/foc_lead_times/US/cellular", {"lead_business_days": 3},
     "/phone_number_type"),
    ("/v2/operator/foc_lead_times/US/*", {"lead_business_days": -1}, "/lead_business_days"),
    ("/v2/operator/foc_lead_times/US/*", {"lead_business_days": 61}, "/lead_business_days"),
    ("/v2/operator/foc_lead_times/US/*", {"lead_business_days": 3, "time_zone": "Mars/Base"},
     "/time_zone"),
    ("/v2/operator/foc_lead_times/US/*", {"lead_business_days": 3, "extra": 1}, "/extra"),
])
def test_bad_lead_time_is_422_and_changes_nothing(api: Api, path: str, body: dict[str, Any],
                                                  pointer: str) -> None:
    before = api.op("GET", "/v2/operator/foc_lead_times")
    error = api.op("PUT", path, 422, json=body)["errors"][0]
    assert error["source"] == {"pointer": pointer}
    assert api.op("GET", "/v2/operator/foc_lead_times") == before


def test_operator_tables_are_the_operators(api: Api, client: TestClient) -> None:
    api.op("DELETE", "/v2/operator/foc_lead_times/ZZ/*", 404)
    api.op("DELETE", "/v2/operator/foc_holidays/nope", 404)
    for method, path in (("GET", "/v2/operator/foc_lead_times"),
                         ("PUT", "/v2/operator/foc_lead_times/US/*"),
                         ("GET", "/v2/operator/foc_holidays"),
                         ("POST", "/v2/operator/foc_holidays")):
        response = client.request(method, path, headers=api.tenant.headers,
                                  json={"lead_business_days": 1})
        assert response.status_code == 403, (method, path)


def test_operator_closes_a_day_and_it_leaves_the_windows(api: Api) -> None:
    order = api.create_order(number(1))
    before = windows(api, order["id"])
    day = parse(before[1]["started_at"]).astimezone(DENVER).date()
    created = api.op("POST", "/v2/operator/foc_holidays", 201, json={
        "country_code": "US", "date": day.isoformat(), "kind": "closed", "name": "Storm"})
    holiday = created["data"]
    assert holiday["record_type"] == "foc_holiday" and holiday["date"] == day.isoformat()
    after = windows(api, order["id"])
    assert before[1] not in after and len(after) == len(before) - 1
    api.op("POST", "/v2/operator/foc_holidays", 422, json={
        "country_code": "US", "date": day.isoformat(), "kind": "open"})
    for bad, pointer in (({"country_code": "U1", "date": "2026-12-01", "kind": "closed"},
                          "/country_code"),
                         ({"country_code": "US", "date": "2026-13-01", "kind": "closed"},
                          "/date"),
                         ({"country_code": "US", "date": "2026-12-01", "kind": "shut"},
                          "/kind")):
        error = api.op("POST", "/v2/operator/foc_holidays", 422, json=bad)["errors"][0]
        assert error["source"] == {"pointer": pointer}
    assert [h["id"] for h in api.op("GET", "/v2/operator/foc_holidays")["data"]] == [
        holiday["id"]]
    api.op("DELETE", f"/v2/operator/foc_holidays/{holiday['id']}", 204)
    assert windows(api, order["id"]) == before or len(windows(api, order["id"])) >= len(after)


def test_public_holidays_close_and_an_open_change_reopens(db: Database, tenant: Tenant) -> None:
    # Monday 2026-12-21 in Denver: Christmas (Friday 25th) is a US public holiday.
    now = datetime(2026, 12, 21, 17, tzinfo=UTC)
    with db.writing() as session:
        order = order_service.create_order(session, tenant.organization_id, [number(1)],
                                           None, None, now)
        days = {w.start.date() for w in foc_service.allowed_windows(session, order, now)}
        assert date(2026, 12, 24) in days and date(2026, 12, 25) not in days
        foc_service.add_holiday(session, "US", date(2026, 12, 25), "open", None, now)
        foc_service.add_holiday(session, "US", date(2026, 12, 24), "closed", "Eve", now)
        days = {w.start.date() for w in foc_service.allowed_windows(session, order, now)}
        assert date(2026, 12, 25) in days and date(2026, 12, 24) not in days
        foc_service.add_holiday(session, "GB", date(2026, 12, 28), "closed", None, now)
        days = {w.start.date() for w in foc_service.allowed_windows(session, order, now)}
        assert date(2026, 12, 28) in days  # another country's change


# -- activation -------------------------------------------------------------------------
def test_fast_port_is_set_at_creation_from_the_portability_rules(api: Api) -> None:
    assert api.create_order(number(1))["activation_settings"]["fast_port_eligible"] is True
    # The shipped rules: US toll-free numbers port, but not in the FastPort lane.
    assert api.create_order(number(2), "+18005550100")[
        "activation_settings"]["fast_port_eligible"] is False
    assert api.create_order("+442079460001")["activation_settings"][
        "fast_port_eligible"] is False
    api.client.put("/v2/operator/portability_rules/US/toll_free", headers=api.operator,
                   json={"portable": True, "fast_portable": True}).raise_for_status()
    assert api.create_order(number(3), "+18005550101")[
        "activation_settings"]["fast_port_eligible"] is True


def test_activate_answers_202_with_a_job_inside_its_windows(api: Api) -> None:
    order_id = confirmed_order(api, number(1))
    body = activate(api, order_id)
    job = body["data"]
    assert set(job) == {"id", "activate_at", "activation_type", "activation_windows",
                        "created_at", "updated_at", "record_type", "status"}
    assert job["status"] == "created" and job["record_type"] == "porting_activation_job"
    spans = [(parse(w["start_at"]), parse(w["end_at"])) for w in job["activation_windows"]]
    assert spans
    foc = parse(api.user("GET", f"/v2/porting_orders/{order_id}")["data"][
        "activation_settings"]["foc_datetime_actual"])
    # Up to the first window that ends after the FOC date: the FOC day's own.
    assert spans[-1][1] > foc and all(end <= foc for _, end in spans[:-1])
    activate_at = parse(job["activate_at"])
    assert any(s <= activate_at <= e for s, e in spans)
    assert job["activation_type"] == ("on-demand" if activate_at == parse(job["created_at"])
                                      else "scheduled")
    assert api.user("GET", f"{jobs_path(order_id)}/{job['id']}")["data"] == job


def test_activate_refusals_change_nothing(api: Api) -> None:
    gb = api.create_order("+442079460001")
    error = activate(api, gb["id"], 422)["errors"][0]
    assert error["source"] == {"pointer": "/activation_settings/fast_port_eligible"}
    draft = api.create_order(number(1))
    assert activate(api, draft["id"], 422)["errors"][0]["source"] == {"pointer": "/status"}
    order_id = confirmed_order(api, number(2))
    job = activate(api, order_id)["data"]
    again = activate(api, order_id, 409)
    assert job["id"] in again["errors"][0]["detail"]
    listed = api.user("GET", jobs_path(order_id))
    assert [j["id"] for j in listed["data"]] == [job["id"]]
    for other in (draft["id"], gb["id"]):
        assert api.user("GET", jobs_path(other))["meta"]["total_results"] == 0


def test_failed_job_leaves_the_order_and_the_user_activates_again(api: Api) -> None:
    order_id = confirmed_order(api, number(1))
    first = activate(api, order_id)["data"]
    failed = finish(api, order_id, first["id"], "failed")["data"]
    assert failed["status"] == "failed"
    order = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
    assert order["status"]["value"] == "foc-date-confirmed"
    finish(api, order_id, first["id"], "completed", 422)
    second = activate(api, order_id)["data"]
    page = api.user("GET", jobs_path(order_id), params={"page[size]": 1})
    assert page["meta"] == {"page_number": 1, "page_size": 1, "total_pages": 2,
                            "total_results": 2}
    assert page["data"][0]["id"] == second["id"]  # newest first
    older = api.user("GET", jobs_path(order_id), params={"page[size]": 1, "page[number]": 2})
    assert older["data"][0] == failed
    api.user("GET", jobs_path(order_id), 422, params={"page[size]": 0})


def test_completed_job_ports_the_order_with_its_event(api: Api) -> None:
    order_id = confirmed_order(api, number(1))
    job = activate(api, order_id)["data"]
    events_before = len(api.events())
    done = finish(api, order_id, job["id"], "completed")["data"]
    assert done["status"] == "completed"
    order = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
    assert order["status"]["value"] == "ported"
    assert order["activation_settings"]["activation_status"] == "Active"
    events = api.events(**{"filter[porting_order_id]": order_id})
    assert len(events) == events_before + 1
    assert events[0]["event_type"] == "porting_order.status_changed"
    assert events[0]["payload"]["status"]["value"] == "ported"
    activate(api, order_id, 422)


def test_desk_outcome_refusals(api: Api, client: TestClient) -> None:
    order_id = confirmed_order(api, number(1))
    job = activate(api, order_id)["data"]
    path = f"/v2/operator/porting_orders/{order_id}/activation_jobs/{job['id']}"
    for body in ({"status": "in-process"}, {"status": "created"}, {}, {"status": "completed",
                                                                       "why": 1}):
        api.op("POST", path, 422, json=body)
    api.op("POST", f"/v2/operator/porting_orders/{order_id}/activation_jobs/nope", 404,
           json={"status": "completed"})
    api.op("POST", f"/v2/operator/porting_orders/nope/activation_jobs/{job['id']}", 404,
           json={"status": "completed"})
    assert client.post(path, headers=api.tenant.headers,
                       json={"status": "completed"}).status_code == 403
    # The order left foc-date-confirmed meanwhile: completing cannot port it, nothing changes.
    api.move(order_id, "exception", "FOC_REJECTED")
    api.op("POST", path, 422, json={"status": "completed"})
    assert api.user("GET", f"{jobs_path(order_id)}/{job['id']}")["data"]["status"] == "created"


def test_reschedule_inside_the_windows_only(api: Api, client: TestClient,
                                            other_tenant: Tenant) -> None:
    order_id = confirmed_order(api, number(1))
    job = activate(api, order_id)["data"]
    path = f"{jobs_path(order_id)}/{job['id']}"
    last = job["activation_windows"][-1]
    target = parse(last["end_at"]) - timedelta(minutes=30)
    body = api.user("PATCH", path, json={"activate_at": target.isoformat()})
    assert parse(body["data"]["activate_at"]) == target
    assert body["data"]["activation_type"] == "scheduled"
    unchanged = api.user("PATCH", path, json={})["data"]
    assert unchanged == body["data"]
    for outside in (parse(last["end_at"]) + timedelta(hours=1),
                    datetime.now(UTC) - timedelta(hours=1),
                    datetime.now(UTC) + timedelta(days=60)):
        error = api.user("PATCH", path, 422, json={"activate_at": outside.isoformat()})
        assert error["errors"][0]["source"] == {"pointer": "/activate_at"}
    for bad in ("tomorrow", "2030-01-01T00:00:00", 5):
        api.user("PATCH", path, 422, json={"activate_at": bad})
    assert api.user("GET", path)["data"] == body["data"]
    assert client.patch(path, headers=other_tenant.headers,
                        json={"activate_at": target.isoformat()}).status_code == 404
    assert client.get(path, headers=other_tenant.headers).status_code == 404
    other_order = confirmed_order(api, number(2))
    api.user("GET", f"{jobs_path(other_order)}/{job['id']}", 404)
    finish(api, order_id, job["id"], "failed")
    api.user("PATCH", path, 422, json={"activate_at": target.isoformat()})


def test_concurrent_activations_make_one_job(postgres_db: Database) -> None:
    tenant = make_tenant(postgres_db)
    now = utcnow()
    with postgres_db.writing() as session:
        order = order_service.create_order(session, tenant.organization_id, [number(1)],
                                           None, None, now)
        order.status = "foc-date-confirmed"
        order.foc_datetime_actual = now + timedelta(days=3)
        order_id = order.id
    workers = [Database(postgres_db.url) for _ in range(6)]
    start = threading.Barrier(len(workers))
    outcomes: list[str] = []

    def run(worker_db: Database) -> None:
        start.wait()
        try:
            with worker_db.writing() as session:
                activation_service.activate(session, tenant.organization_id, order_id,
                                            utcnow())
            outcomes.append("job")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for worker in workers:
        worker.dispose()
    assert sorted(outcomes) == ["conflict"] * 5 + ["job"]
    with postgres_db.reading() as session:
        count = session.execute(select(func.count()).select_from(ActivationJob)).scalar_one()
    assert count == 1


# -- the scheduler ----------------------------------------------------------------------
def ported_events(db: Database, order_id: str) -> int:
    with db.reading() as session:
        return int(session.execute(
            select(func.count()).select_from(PortingEvent)
            .where(PortingEvent.porting_order_id == order_id,
                   PortingEvent.event_type == "porting_order.status_changed",
                   PortingEvent.payload["status"]["value"].as_string() == "ported")
        ).scalar_one())


def status_of(db: Database, order_id: str) -> str:
    with db.reading() as session:
        order = order_store.get_order(session, order_id, None)
        assert order is not None
        return order.status


def test_scheduler_ports_orders_whose_window_closed_once(api: Api, db: Database) -> None:
    past = datetime.now(UTC) - timedelta(days=10)
    closed = confirmed_order(api, number(1), foc=past)
    upcoming = confirmed_order(api, number(2))
    with_job = confirmed_order(api, number(3), foc=past)
    activate(api, with_job)
    today = confirmed_order(api, number(4), foc=datetime.now(UTC))
    assert activation_service.port_closed_orders(db, utcnow()) == 1
    assert status_of(db, closed) == "ported" and ported_events(db, closed) == 1
    assert status_of(db, upcoming) == "foc-date-confirmed"
    assert status_of(db, with_job) == "foc-date-confirmed"  # the desk is on it
    assert status_of(db, today) == "foc-date-confirmed"  # its window has not closed yet
    assert activation_service.port_closed_orders(db, utcnow()) == 0
    # A day later than the close of today's window, it ports too.
    assert activation_service.port_closed_orders(db, utcnow() + timedelta(days=5)) >= 1
    assert status_of(db, today) == "ported"


def test_racing_schedulers_port_each_order_exactly_once(api: Api, db: Database) -> None:
    past = datetime.now(UTC) - timedelta(days=10)
    orders = [confirmed_order(api, number(i), foc=past) for i in range(8)]
    workers = [Database(db.url) for _ in range(4)]
    start = threading.Barrier(len(workers))
    counts: list[int] = []

    def run(worker_db: Database) -> None:
        start.wait()
        counts.append(activation_service.port_closed_orders(worker_db, utcnow()))

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for worker in workers:
        worker.dispose()
    assert sum(counts) == len(orders)
    assert [ported_events(db, o) for o in orders] == [1] * len(orders)


def test_foc_dates_at_the_calendars_edges_answer_no_5xx(api: Api, db: Database) -> None:
    latest = confirmed_order(api, number(1), foc=datetime(9999, 12, 30, 12, tzinfo=UTC))
    job = activate(api, latest)["data"]
    assert job["activation_windows"]
    earliest = confirmed_order(api, number(2), foc=datetime(1, 1, 2, 12, tzinfo=UTC))
    assert activation_service.port_closed_orders(db, utcnow()) == 1
    assert status_of(db, earliest) == "ported"
