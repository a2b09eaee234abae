"""A database outage is an outage, not a flood of errors: the real `portin serve` on a fresh
PostgreSQL database reached through a proxy that the test cuts for a few seconds (the real
server is never stopped), under a steady burst of API calls.

During the cut the API answers 503 with Retry-After in the error format, /readyz 503 and
/healthz 200; the log gets about one line per failed request and no tracebacks; afterwards
the API works again and every event whose request succeeded reaches the webhook receiver."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.acceptance.conftest import running_server
from tests.conftest import POSTGRES_URL
from tests.support.receiver import Receiver
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

BEFORE_SECONDS = 3.0
CUT_SECONDS = 6.0
AFTER_SECONDS = 3.0
SETTLE_SECONDS = 0.5  # calls in flight when the cut or restore happens may go either way


@dataclass
class Answer:
    started: float
    finished: float
    kind: str  # "order", "comment", "readyz", "healthz"
    status: int  # 0: no answer at all (connection refused or timed out)
    headers: dict[str, str]
    body: Any
    order_id: str | None = None


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A database of its own on the real server, dropped at the end."""
    name = f"portin_outage_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield str(make_url(POSTGRES_URL).set(database=name))
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def call(client: httpx.Client, kind: str, method: str, path: str,
         order_id: str | None = None, **kwargs: Any) -> Answer:
    started = time.monotonic()
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError:
        return Answer(started, time.monotonic(), kind, 0, {}, None, order_id)
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Answer(started, time.monotonic(), kind, response.status_code,
                  dict(response.headers), body, order_id)


def burst(client: httpx.Client, order_ids: list[str], stop: threading.Event,
          answers: list[Answer]) -> None:
    """Create orders and comment on the subscribed ones, one call after another."""
    turn = 0
    while not stop.is_set():
        turn += 1
        if turn % 2:
            order_id = order_ids[turn % len(order_ids)]
            answers.append(call(client, "comment", "POST",
                                f"/v2/porting_orders/{order_id}/comments", order_id,
                                json={"body": f"comment {turn}"}))
        else:
            answers.append(call(client, "order", "POST", "/v2/porting_orders",
                                json={"phone_numbers": [f"+1720555{turn % 10000:04d}"]}))
        time.sleep(0.03)


def probe(client: httpx.Client, stop: threading.Event, answers: list[Answer]) -> None:
    while not stop.is_set():
        answers.append(call(client, "readyz", "GET", "/readyz"))
        answers.append(call(client, "healthz", "GET", "/healthz"))
        time.sleep(0.2)


def all_events(client: httpx.Client) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for number in range(1, 100):
        page = client.get("/v2/porting/events", params={"page[size]": 250,
                                                         "page[number]": number})
        assert page.status_code == 200, page.text
        events += page.json()["data"]
        if len(page.json()["data"]) < 250:
            return events
    raise AssertionError("too many pages of events")


def line_count(log: Path) -> int:
    return log.read_bytes().count(b"\n")


def test_an_outage_answers_503_logs_little_and_loses_no_event(
        tmp_path: Path, fresh_postgres: str) -> None:
    port = make_url(fresh_postgres).port or 5432
    with TcpProxy(port).running() as proxy, Receiver().running() as receiver:
        proxied = str(make_url(fresh_postgres).set(port=proxy.port))
        with running_server(tmp_path, PORTIN_DATABASE_URL=proxied,
                            PORTIN_RETRY_BASE_SECONDS="0.2") as server:
            log = tmp_path / "serve.log"
            key = server.new_org("outage")["api_key"]
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=server.base_url, headers=headers,
                              timeout=10) as client, \
                    httpx.Client(base_url=server.base_url, timeout=5) as prober:
                order_ids = []
                for n in range(3):
                    made = client.post("/v2/porting_orders",
                                       json={"phone_numbers": [f"+172044400{n}0"]})
                    assert made.status_code == 201, made.text
                    order_id = made.json()["data"][0]["id"]
                    patched = client.patch(f"/v2/porting_orders/{order_id}",
                                           json={"webhook_url": receiver.url("/hook")})
                    assert patched.status_code == 200, patched.text
                    order_ids.append(order_id)

                stop = threading.Event()
                calls: list[Answer] = []
                probes: list[Answer] = []
                threads = [threading.Thread(target=burst, args=(client, order_ids, stop, calls)),
                           threading.Thread(target=probe, args=(prober, stop, probes))]
                for thread in threads:
                    thread.start()
                try:
                    time.sleep(BEFORE_SECONDS)
                    lines_at_cut = line_count(log)
                    cut_at = time.monotonic()
                    proxy.cut()
                    time.sleep(CUT_SECONDS)
                    lines_at_restore = line_count(log)
                    proxy.restore()
                    restored_at = time.monotonic()
                    time.sleep(AFTER_SECONDS)
                finally:
                    stop.set()
                    for thread in threads:
                        thread.join(timeout=15)

                answers = calls + probes
                # Never a 500, and always an answer.
                assert sorted({a.status for a in answers}) in ([201, 503], [200, 201, 503]), \
                    sorted({a.status for a in answers})

                during = [a for a in answers if a.started > cut_at + SETTLE_SECONDS
                          and a.finished < restored_at]
                assert len([a for a in during if a.kind in ("order", "comment")]) > 10
                for answer in during:
                    if answer.kind == "healthz":
                        assert answer.status == 200
                        continue
                    assert answer.status == 503, (answer.kind, answer.body)
                    assert answer.headers["retry-after"] == "2"
                    (error,) = answer.body["errors"]
                    assert error["title"] == "Service unavailable"

                # Before the cut and a few seconds after the restore, everything works.
                before = [a for a in answers if a.finished < cut_at]
                after = [a for a in answers if a.started > restored_at + 2.0]
                assert before and after
                for answer in before + after:
                    assert answer.status in (200, 201), (answer.kind, answer.body)
                recovered = min(a.started for a in calls if a.started > restored_at
                                and a.status == 201) - restored_at
                assert recovered < 2.5, recovered

                # No event lost: every comment answered 201 reaches the receiver.
                commented = {a.body["data"]["id"]: a.order_id for a in calls
                             if a.kind == "comment" and a.status == 201}
                assert len(commented) > 20

                def delivered() -> set[str]:
                    return {r.json["data"]["payload"]["comment"]["id"]
                            for r in receiver.at("/hook")}

                deadline = time.monotonic() + 30
                while not set(commented) <= delivered() and time.monotonic() < deadline:
                    time.sleep(0.2)
                assert set(commented) - delivered() == set()
                events = all_events(client)
                comment_events = {e["payload"]["comment"]["id"]: e for e in events
                                  if e["event_type"] == "porting_order.new_comment"}
                assert set(commented) <= set(comment_events)
                assert {r.event_id for r in receiver.at("/hook")} <= {e["id"] for e in events}
                for comment_id, order_id in commented.items():
                    assert comment_events[comment_id]["payload"]["porting_order_id"] == order_id

            # The log stays bounded: about a line per failed request, no traceback flood.
            failed = len([a for a in answers if a.status == 503])
            text = log.read_text(errors="replace")
            outage_log = text.splitlines()[lines_at_cut:lines_at_restore]
            assert len(outage_log) < 3 * failed + 20, (len(outage_log), failed)
            # Each thing said in one line (psycopg's messages span several).
            assert not [line for line in outage_log if line.startswith(("\t", " "))]
            assert text.count("Traceback") <= 3, text[-5000:]
