"""GET /v2/porting/event_feed/stream: the feed as Server-Sent Events from a real `portin serve`
(`python -m portin serve`, this tree's code) on loopback, on SQLite and PostgreSQL: events in
feed order, live, resumed with Last-Event-ID or ?after=, pings while idle, errors before the
stream starts, the stream's end on client disconnect and on server shutdown."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from portin.cli.event_stream import EventParser, StreamEvent
from portin.storage.db import Database
from tests.acceptance.conftest import free_port
from tests.conftest import Tenant

STREAM = "/v2/porting/event_feed/stream"
TIMEOUT = httpx.Timeout(10.0)
PING_SECONDS = 0.3


@dataclass
class Serve:
    base_url: str
    process: subprocess.Popen[bytes]

    def stop(self, seconds: float = 15) -> float:
        """SIGTERM, as a process manager stops it; how long it took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=seconds)
        return time.monotonic() - started


@contextlib.contextmanager
def serving(database_url: str, folder: Path) -> Iterator[Serve]:
    port = free_port()
    env = {**os.environ, "PORTIN_DATABASE_URL": database_url, "PORTIN_WORKER_PROCESSES": "0",
           "PORTIN_RATE_LIMIT_ENABLED": "false",
           "PORTIN_EVENT_STREAM_PING_SECONDS": str(PING_SECONDS),
           "PORTIN_EVENT_STREAM_POLL_SECONDS": "0.1"}
    with (folder / "serve.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "portin", "serve", "--port", str(port)],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
        serve = Serve(f"http://127.0.0.1:{port}", process)
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, (folder / "serve.log").read_text()
                try:
                    with urllib.request.urlopen(serve.base_url + "/healthz", timeout=1):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "serve did not come up"
                    time.sleep(0.1)
            yield serve
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def server(database_url: str, db: Database, tmp_path: Path) -> Iterator[Serve]:
    with serving(database_url, tmp_path) as running:
        yield running


class Events:
    """Events from one open stream, read a line at a time with bounded waits."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()
        self.parser = EventParser()
        self.comments = 0

    def next(self) -> StreamEvent:
        for line in self.lines:  # each read is bounded by TIMEOUT
            if line.startswith(":"):
                self.comments += 1
            event = self.parser.feed(line)
            if event is not None:
                return event
        raise AssertionError("the stream ended")

    def drain(self) -> None:
        """Read until the stream ends (AssertionError) or its connection fails."""
        while True:
            self.next()

    def take(self, count: int) -> list[dict[str, Any]]:
        taken = []
        for _ in range(count):
            event = self.next()
            assert event.event == "porting_event"
            item = json.loads(event.data)
            assert event.id == item["cursor"]
            taken.append(item)
        return taken


@contextlib.contextmanager
def stream(client: httpx.Client, tenant: Tenant, **kwargs: Any) -> Iterator[Events]:
    with client.stream("GET", STREAM, headers={**tenant.headers, **kwargs.pop("headers", {})},
                       **kwargs) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


def history(client: httpx.Client, tenant: Tenant, count: int, start: int = 0) -> list[str]:
    """`count` orders confirmed: two events each (none for the draft's creation)."""
    ids = []
    for i in range(start, start + count):
        created = client.post("/v2/porting_orders", headers=tenant.headers,
                              json={"phone_numbers": [f"+1303222{i:04d}"]})
        assert created.status_code == 201, created.text
        order_id = created.json()["data"][0]["id"]
        confirmed = client.post(f"/v2/porting_orders/{order_id}/actions/confirm",
                                headers=tenant.headers)
        assert confirmed.status_code == 200, confirmed.text
        ids.append(order_id)
    return ids


def feed(client: httpx.Client, tenant: Tenant) -> list[dict[str, Any]]:
    page = client.get("/v2/porting/event_feed", headers=tenant.headers, params={"limit": 1000})
    assert page.status_code == 200
    return list(page.json()["data"])


@pytest.fixture
def client(server: Serve) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT) as http:
        yield http


def test_the_stream_sends_the_feed_then_new_events_as_they_commit(
        client: httpx.Client, tenant: Tenant) -> None:
    history(client, tenant, 2)
    stored = feed(client, tenant)
    assert len(stored) >= 2
    with stream(client, tenant) as events:
        assert events.take(len(stored)) == stored
        started = time.monotonic()
        later = history(client, tenant, 1, start=50)
        live = events.take(1)
        assert time.monotonic() - started < 5
    assert [e["porting_order_id"] for e in live] == later
    assert live == feed(client, tenant)[len(stored):]


def test_the_stream_resumes_after_last_event_id_or_after(client: httpx.Client,
                                                         tenant: Tenant) -> None:
    history(client, tenant, 3)
    stored = feed(client, tenant)
    with stream(client, tenant) as events:
        first = events.take(2)
    resume = first[-1]["cursor"]
    with stream(client, tenant, headers={"Last-Event-ID": resume}) as events:
        assert events.take(len(stored) - 2) == stored[2:]
    # The header wins over ?after= (an EventSource keeps its URL and adds the header).
    with stream(client, tenant, headers={"Last-Event-ID": resume},
                params={"after": "0", "wait": "false"}) as events:
        assert [e["id"] for e in events.take(len(stored) - 2)] == [e["id"] for e in stored[2:]]
    with stream(client, tenant, params={"after": stored[0]["cursor"], "wait": "false"}) as events:
        assert events.take(len(stored) - 1) == stored[1:]
        with pytest.raises(AssertionError, match="the stream ended"):
            events.next()  # wait=false: the stream ends once caught up


def test_an_idle_stream_is_pinged(client: httpx.Client, tenant: Tenant) -> None:
    with stream(client, tenant) as events:
        deadline = time.monotonic() + 5
        for line in events.lines:
            if line.startswith(":"):
                break
            assert time.monotonic() < deadline
    assert time.monotonic() < deadline


def test_bad_cursors_are_error_answers_and_the_stream_is_one_organizations(
        client: httpx.Client, tenant: Tenant, other_tenant: Tenant) -> None:
    for headers, params, status in [
            ({"Last-Event-ID": "x"}, {}, 422), ({}, {"after": "-3"}, 422),
            ({}, {"after": "99"}, 404), ({"Last-Event-ID": "99"}, {}, 404),
            ({}, {"wait": "perhaps"}, 400)]:
        response = client.get(STREAM, headers={**tenant.headers, **headers}, params=params)
        assert response.status_code == status, (headers, params)
        assert response.headers["content-type"] == "application/json"
        assert response.json()["errors"][0]["source"]["parameter"] in (
            "after", "Last-Event-ID", "wait")
    assert client.get(STREAM).status_code == 401
    assert client.get(STREAM, headers={"Authorization": "Bearer nope"}).status_code == 401
    history(client, tenant, 1)
    history(client, other_tenant, 1, start=10)
    mine = feed(client, tenant)
    with stream(client, other_tenant, params={"wait": "false"}) as events:
        theirs = events.take(len(feed(client, other_tenant)))
        with pytest.raises(AssertionError, match="the stream ended"):
            events.next()
    assert theirs and not {e["id"] for e in theirs} & {e["id"] for e in mine}


def open_streams(client: httpx.Client) -> float:
    metrics = client.get("/metrics").text
    (line,) = [m for m in metrics.splitlines() if m.startswith("portin_event_streams_open ")]
    return float(line.split()[1])


def test_a_client_that_goes_away_ends_its_stream_and_shutdown_ends_the_rest(
        server: Serve, client: httpx.Client, tenant: Tenant) -> None:
    history(client, tenant, 1)
    count = len(feed(client, tenant))
    for _ in range(3):
        with stream(client, tenant) as events:
            events.take(count)
            assert open_streams(client) == 1
        # The client went away: its stream ends on the server (no waiting for the next ping).
        deadline = time.monotonic() + 5
        while open_streams(client) != 0:
            assert time.monotonic() < deadline, "the stream outlived its client"
            time.sleep(0.05)
    # Shutdown with a stream open: the server ends it and exits at once.
    with stream(client, tenant) as events:
        events.take(count)
        took = server.stop()
        with pytest.raises((AssertionError, httpx.HTTPError)):
            events.drain()  # the stream ends: the server closed it
    assert took < 5
    # uvicorn re-raises the signal once it has shut down cleanly.
    assert server.process.returncode in (0, -signal.SIGTERM)
