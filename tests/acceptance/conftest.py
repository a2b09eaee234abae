"""A real `portin serve` process on loopback, set up only through the `portin` command."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import telnyx

from tests.support.installed import PORTIN, installed_wheel

__all__ = ["PORTIN", "installed_wheel"]  # the installed `portin`, and its fixture


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    env: dict[str, str]

    def portin(self, *args: str) -> str:
        result = subprocess.run([PORTIN, *args], env=self.env, capture_output=True, text=True,
                                timeout=60, check=True)
        return result.stdout

    def new_org(self, name: str) -> dict[str, str]:
        return dict(json.loads(self.portin("org", "create", name, "--json")))

    def operator_key(self) -> str:
        return str(json.loads(self.portin("operator-key", "create", "--json"))["api_key"])


def wait_until_up(url: str, process: subprocess.Popen[bytes], deadline: float = 30) -> None:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        if process.poll() is not None:
            raise RuntimeError(f"portin serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("portin serve did not come up in time")


@contextlib.contextmanager
def running_server(folder: Path, **settings: str) -> Iterator[Server]:
    """`portin serve` on a free port with its own SQLite file; stopped at the end."""
    port = free_port()
    env = {**os.environ, "PORTIN_DATABASE_URL": str(folder / "portin.db"),
           "PORTIN_ALLOW_PRIVATE_WEBHOOKS": "1", **settings}
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen([PORTIN, "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, process)
        yield Server(base_url, env)
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture(scope="module")
def quick_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose scheduler ticks twice a second, so waits for its work stay short."""
    with running_server(tmp_path_factory.mktemp("quick"),
                        PORTIN_SCHEDULER_INTERVAL_SECONDS="0.5") as running:
        yield running


def strict_sdk(server: Server, api_key: str) -> telnyx.Telnyx:
    """The SDK as a careful integrator runs it: every answer validated strictly against the
    SDK's own types (a missing field or a wrong type raises instead of passing untyped)."""
    return telnyx.Telnyx(api_key=api_key, base_url=f"{server.base_url}/v2", max_retries=0,
                         _strict_response_validation=True)


@pytest.fixture(scope="module")
def org(server: Server, request: pytest.FixtureRequest) -> dict[str, str]:
    """An organization of the test module's own (named after it), so modules share nothing."""
    return server.new_org(request.module.__name__.rpartition(".")[2])


@pytest.fixture(scope="module")
def sdk(server: Server, org: dict[str, str]) -> Iterator[telnyx.Telnyx]:
    with strict_sdk(server, org["api_key"]) as client:
        yield client


@pytest.fixture(scope="module")
def desk(server: Server) -> Iterator[httpx.Client]:
    """The porting desk: the SDK has no operator endpoints, so plain HTTP with an operator key."""
    headers = {"Authorization": f"Bearer {server.operator_key()}"}
    with httpx.Client(base_url=f"{server.base_url}/v2/operator", headers=headers) as client:
        yield client
