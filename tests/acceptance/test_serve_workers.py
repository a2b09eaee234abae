"""`portin serve` runs its delivery worker as a child process: restarted when it dies, gone
when serve goes, even when serve is killed outright."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from portin.delivery import processes
from portin.delivery.processes import WorkerProcesses, restart_delay
from tests.acceptance.conftest import PORTIN, free_port, wait_until_up
from tests.support.receiver import Receiver


def children_of(pid: int) -> list[int]:
    """Children of every thread of `pid` (a child started by a thread is listed under it)."""
    return sorted(int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                  for child in (task / "children").read_text().split())


def has_exited(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status  # a zombie has exited; nobody has reaped it yet


def wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_serve(folder: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    port = free_port()
    env = {**os.environ, "PORTIN_DATABASE_URL": str(folder / "portin.db"),
           "PORTIN_ALLOW_PRIVATE_WEBHOOKS": "1"}
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen([PORTIN, "serve", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    wait_until_up(base_url, process)
    return process, base_url, env


def call(base_url: str, key: str, method: str, path: str, body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base_url}/v2{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {key}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def send_one_event(base_url: str, env: dict[str, str], hook: str) -> None:
    """An order whose webhook_url is `hook`, confirmed: one status_changed event to it."""
    org = json.loads(subprocess.run([PORTIN, "org", "create", "restart", "--json"], env=env,
                                    capture_output=True, text=True, check=True,
                                    timeout=60).stdout)
    key = org["api_key"]
    order: Any = call(base_url, key, "POST", "/porting_orders",
                      {"phone_numbers": ["+17203330001"]})
    order_id = order["data"][0]["id"]
    call(base_url, key, "PATCH", f"/porting_orders/{order_id}", {"webhook_url": hook})
    call(base_url, key, "POST", f"/porting_orders/{order_id}/actions/confirm")


def test_a_killed_worker_is_restarted_and_delivers(tmp_path: Path) -> None:
    serve, base_url, env = start_serve(tmp_path)
    try:
        (first,) = children_of(serve.pid)
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: children_of(serve.pid) not in ([], [first]), 15,
                 "a new worker process")
        with Receiver().running() as receiver:
            send_one_event(base_url, env, receiver.url("/hook"))
            receiver.wait_for("/hook", 1, timeout=15)
    finally:
        serve.terminate()
        serve.wait(timeout=30)


def test_the_worker_goes_when_serve_is_killed(tmp_path: Path) -> None:
    serve, _base_url, _env = start_serve(tmp_path)
    (child,) = children_of(serve.pid)
    serve.send_signal(signal.SIGKILL)
    serve.wait(timeout=10)
    wait_for(lambda: has_exited(child), 15, "the worker to notice and stop")


def test_serve_stops_its_worker_when_it_stops(tmp_path: Path) -> None:
    serve, _base_url, _env = start_serve(tmp_path)
    (child,) = children_of(serve.pid)
    serve.terminate()
    # uvicorn shuts down gracefully, then ends by the signal it caught.
    assert serve.wait(timeout=30) in (0, -signal.SIGTERM)
    assert has_exited(child)


class CrashingWorkers(WorkerProcesses):
    """Children that exit at once, as a worker that cannot reach its database would."""

    def __init__(self) -> None:
        super().__init__("unused", 1)
        self.started: list[float] = []

    def _command(self, index: int) -> list[str]:
        return [sys.executable, "-c", "raise SystemExit(3)"]

    def _spawn(self, index: int) -> None:
        self.started.append(time.monotonic())
        super()._spawn(index)


def test_a_child_that_keeps_failing_is_restarted_ever_more_slowly() -> None:
    workers = CrashingWorkers()
    workers.start()
    try:
        wait_for(lambda: len(workers.started) >= 3, 15, "two restarts")
    finally:
        workers.stop()
    gaps = [b - a for a, b in itertools.pairwise(workers.started)]
    assert gaps[0] >= 1.0  # restart_delay(1)
    assert gaps[1] >= 2.0  # restart_delay(2)


def test_restart_delays_double_up_to_a_minute() -> None:
    assert [restart_delay(n) for n in range(9)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]


class SleepingWorkers(CrashingWorkers):
    """Children that run until killed, as a healthy worker does."""

    def _command(self, index: int) -> list[str]:
        return [sys.executable, "-c", "import time; time.sleep(120)"]


def test_a_child_that_had_started_fine_is_restarted_at_once_however_often_it_is_killed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed three times in a row, each time after its start-up window (shortened here from
    5 s): every restart comes at the next look (0.5 s), not after 1, 2 and 4 s."""
    monkeypatch.setattr(processes, "STARTUP_SECONDS", 0.3)
    workers = SleepingWorkers()
    workers.start()
    restart_gaps = []
    try:
        for kills in range(1, 4):
            time.sleep(0.6)  # past the start-up window
            child = workers._children[0]
            assert child is not None
            child.kill()
            killed_at = time.monotonic()
            wait_for(lambda k=kills: len(workers.started) > k, 10, "the restart")
            restart_gaps.append(workers.started[-1] - killed_at)
    finally:
        workers.stop()
    assert max(restart_gaps) < 0.9, restart_gaps
