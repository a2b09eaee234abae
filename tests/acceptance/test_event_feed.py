"""The event feed on a real `portin serve`, as users meet it: the telnyx SDK still reads events
strictly with their `sequence`, and `portin listen --stream` prints each event once, in feed
order, across a connection cut (it resumes with Last-Event-ID)."""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import telnyx

from tests.acceptance.conftest import PORTIN, Server
from tests.support.tcp_proxy import TcpProxy


def call(server: Server, key: str, method: str, path: str, body: object = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{server.base_url}/v2{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {key}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def confirmed_order(server: Server, key: str, number: str) -> str:
    order = call(server, key, "POST", "/porting_orders", {"phone_numbers": [number]})
    order_id = str(order["data"][0]["id"])
    call(server, key, "POST", f"/porting_orders/{order_id}/actions/confirm")
    return order_id


def feed(server: Server, key: str) -> list[dict[str, Any]]:
    return list(call(server, key, "GET", "/porting/event_feed?limit=1000")["data"])


def test_the_sdk_reads_events_strictly_with_their_sequence(server: Server, sdk: telnyx.Telnyx,
                                                          org: dict[str, str]) -> None:
    order_id = confirmed_order(server, org["api_key"], "+17203330101")
    listed = sdk.porting.events.list(filter={"porting_order_id": order_id})
    assert listed.data
    one = sdk.porting.events.retrieve(str(listed.data[0].id))
    assert one.data is not None
    by_id = {e["id"]: e for e in feed(server, org["api_key"])}
    # The SDK's models keep fields they do not declare: the sequence reaches its users.
    assert one.data.model_dump()["sequence"] == by_id[str(one.data.id)]["sequence"]


class Lines:
    """A process's output lines, read on a thread, each wait bounded."""

    def __init__(self, stream: Any) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))

    def until(self, count: int, seconds: float = 15) -> list[str]:
        got: list[str] = []
        deadline = time.monotonic() + seconds
        while len(got) < count:
            try:
                got.append(self._queue.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"only {got} within {seconds} s") from None
        return got

    def rest(self) -> list[str]:
        self._thread.join(timeout=10)
        return [self._queue.get() for _ in range(self._queue.qsize())]


@contextlib.contextmanager
def listening(args: list[str]) -> Iterator[tuple[subprocess.Popen[str], Lines, Lines]]:
    process = subprocess.Popen([PORTIN, "listen", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        yield process, Lines(process.stdout), Lines(process.stderr)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_listen_stream_prints_each_event_once_across_a_cut(server: Server) -> None:
    key = server.new_org("streamer")["api_key"]
    first = confirmed_order(server, key, "+17203330201")
    with TcpProxy(int(server.base_url.rsplit(":", 1)[1])).running() as proxy:
        base = f"http://127.0.0.1:{proxy.port}/v2"
        with listening(["--stream", "--api-key", key, "--base-url", base]) as (process, out, err):
            assert "following" in err.until(1)[0]
            printed = out.until(len(feed(server, key)))
            proxy.cut()  # the connection drops; the listener retries every second
            assert "reconnecting after event" in err.until(1)[0]
            second = confirmed_order(server, key, "+17203330202")
            proxy.restore()
            stored = feed(server, key)
            printed += out.until(len(stored) - len(printed))
            third = confirmed_order(server, key, "+17203330203")
            stored = feed(server, key)
            printed += out.until(len(stored) - len(printed))
            process.terminate()  # SIGTERM: it stops cleanly
            assert process.wait(timeout=10) == 0
            assert out.rest() == []  # nothing printed twice after a reconnect
    assert len(printed) == len(stored)
    for line, event in zip(printed, stored, strict=True):
        assert f"(event {event['id']}, sequence {event['sequence']}, cursor {event['cursor']})" in (
            line), line
    assert [e["porting_order_id"] for e in stored] == [first, second, third]
    assert "-> in-process" in printed[0]


def test_listen_stream_refuses_a_bad_key_and_needs_one(server: Server) -> None:
    done = subprocess.run([PORTIN, "listen", "--stream", "--api-key", "nope", "--base-url",
                           server.base_url], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "HTTP 401" in done.stderr
    done = subprocess.run([PORTIN, "listen", "--stream"], capture_output=True, text=True,
                          timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert "--api-key" in done.stderr
