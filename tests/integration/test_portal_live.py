"""GET /live: the portal's Server-Sent Events stream, from a real `portin serve` on loopback,
on SQLite and PostgreSQL: only for a signed-in session, a `changed` message after the
organization's feed moves (and not for another organization's), pings while idle, and its end
when the client goes away or signs out."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from portin.cli.event_stream import EventParser, StreamEvent
from portin.domain.timefmt import utcnow
from portin.services import users
from portin.storage.db import Database
from tests.conftest import Tenant
from tests.integration.test_event_stream import TIMEOUT, Serve, history, serving

PASSWORD = "long-enough-password"


@pytest.fixture
def server(database_url: str, db: Database, tmp_path: Path) -> Iterator[Serve]:
    with serving(database_url, tmp_path) as running:
        yield running


def signed_in(server: Serve, db: Database, tenant: Tenant, email: str) -> httpx.Client:
    with db.writing() as session:
        users.create_user(session, tenant.organization_id, email, PASSWORD, utcnow())
    client = httpx.Client(base_url=server.base_url, timeout=TIMEOUT)
    client.get("/login")
    answer = client.post("/login", data={"email": email, "password": PASSWORD,
                                         "csrf_token": client.cookies["portin_login_csrf"]})
    assert answer.status_code == 303, answer.text
    return client


class Messages:
    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.iter_lines()
        self.parser = EventParser()
        self.pings = 0

    def next(self, within: float = 5) -> StreamEvent:
        deadline = time.monotonic() + within
        for line in self.lines:  # each read is bounded by TIMEOUT
            if line.startswith(":"):
                self.pings += 1
            event = self.parser.feed(line)
            if event is not None:
                return event
            assert time.monotonic() < deadline, "no message in time"
        raise AssertionError("the stream ended")


@contextlib.contextmanager
def live(client: httpx.Client) -> Iterator[Messages]:
    with client.stream("GET", "/live") as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        messages = Messages(response)
        first = messages.next()
        assert (first.event, first.data) == ("changed", "open")
        yield messages


def open_streams(client: httpx.Client) -> float:
    (line,) = [m for m in client.get("/metrics").text.splitlines()
               if m.startswith("portin_portal_streams_open ")]
    return float(line.split()[1])


def wait_for_no_streams(client: httpx.Client) -> None:
    deadline = time.monotonic() + 5
    while open_streams(client) != 0:
        assert time.monotonic() < deadline, "the stream outlived its client"
        time.sleep(0.05)


def test_live_needs_a_portal_session(server: Serve, tenant: Tenant) -> None:
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT) as anonymous:
        assert anonymous.get("/live").status_code == 401
        anonymous.cookies.set("portin_session", "not-a-session")
        assert anonymous.get("/live").status_code == 401
        # An API key is not a portal session.
        assert anonymous.get("/live", headers=tenant.headers).status_code == 401


def test_a_change_is_streamed_and_another_organizations_is_not(
        server: Serve, db: Database, tenant: Tenant, other_tenant: Tenant) -> None:
    with contextlib.closing(signed_in(server, db, tenant, "live@example.com")) as client, \
            live(client) as messages:
        started = time.monotonic()
        history(client, tenant, 1)
        assert messages.next().event == "changed"
        assert time.monotonic() - started < 5
        # Another organization's orders: only pings until the deadline.
        history(client, other_tenant, 1, start=20)
        with pytest.raises(AssertionError, match="no message in time"):
            messages.next(within=2)
        assert messages.pings >= 1


def test_the_stream_ends_when_the_client_goes_away_or_signs_out(
        server: Serve, db: Database, tenant: Tenant) -> None:
    with contextlib.closing(signed_in(server, db, tenant, "gone@example.com")) as client:
        for _ in range(2):
            with live(client):
                assert open_streams(client) == 1
            wait_for_no_streams(client)  # the client went away: its stream ended
        with live(client) as messages:
            page = client.get("/account/api-keys").text
            csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            client.post("/logout", data={"csrf_token": csrf})
            # Signed out: the server ends the stream at its next look (only pings before).
            with pytest.raises(AssertionError, match="the stream ended"):
                messages.next(within=10)
        wait_for_no_streams(client)
