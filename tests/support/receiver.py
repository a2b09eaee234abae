"""A real HTTP webhook receiver on loopback that records every request and verifies it with the
telnyx SDK. Each path can be told how to answer: succeed, fail N times first, answer a fixed
status, or hang."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import telnyx
from telnyx.lib import verify_ed25519
from telnyx.lib.webhook_verification import WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return str(self.json["data"]["id"])

    @property
    def attempt(self) -> int:
        return int(self.json["meta"]["attempt"])


@dataclass
class Behaviour:
    fail_first: int = 0  # answer 500 to this many requests first
    status: int = 200
    hang_seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    seen: int = 0


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.behaviours: dict[str, Behaviour] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def behave(self, path: str, **kwargs: Any) -> str:
        self.behaviours[path] = Behaviour(**kwargs)
        return self.url(path)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.at(path)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"{path}: wanted {count} requests, got {len(self.at(path))}")

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        body = handler.rfile.read(length)
        path = handler.path
        behaviour = self.behaviours.get(path, Behaviour())
        with self._lock:
            behaviour.seen += 1
            seen = behaviour.seen
        status = 500 if seen <= behaviour.fail_first else behaviour.status
        with self._lock:
            self.requests.append(Received(path, {k.lower(): v for k, v in handler.headers.items()},
                                          body, time.monotonic(), status))
        if behaviour.hang_seconds:
            time.sleep(behaviour.hang_seconds)
        reply = json.dumps({"ok": status < 300}).encode()
        try:
            handler.send_response(status)
            for name, value in behaviour.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(reply)))
            handler.end_headers()
            handler.wfile.write(reply)
        except OSError:
            pass  # the sender gave up (timeout) and closed the connection

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                receiver._answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


def verifies(received: Received, public_key: str) -> bool:
    """What a customer's code does: the SDK's own Ed25519 check with the served public key."""
    client = telnyx.Telnyx(api_key="unused", public_key=public_key)
    try:
        verify_ed25519(client, received.body, received.headers)
        return True
    except WebhookVerificationError:
        return False
    finally:
        client.close()
