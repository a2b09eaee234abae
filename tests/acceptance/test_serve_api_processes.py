"""`portin serve --api-processes 2`: two processes answer on the one port, over one database,
beside one set of delivery workers; SIGTERM stops them all.

Which process answered a request is read from /proc (the process holding the server's end of
the request's connection), so the API needs no header of its own for it."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.acceptance.conftest import PORTIN, free_port, wait_until_up
from tests.acceptance.test_serve_workers import children_of, has_exited, wait_for


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def api_processes(serve: int) -> list[int]:
    """uvicorn's processes: multiprocessing's spawned children."""
    return [pid for pid in children_of(serve)
            if any("multiprocessing.spawn" in part for part in command_line(pid))]


def socket_inode(local_port: int, remote_port: int) -> str:
    """The inode of the loopback TCP socket from `local_port` to `remote_port`."""
    wanted = (f"0100007F:{local_port:04X}", f"0100007F:{remote_port:04X}")
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (fields[1], fields[2]) == wanted:
            return fields[9]
    raise AssertionError(f"no socket 127.0.0.1:{local_port} -> {remote_port}")


def holder(inode: str, candidates: list[int]) -> int:
    for pid in candidates:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except FileNotFoundError:
                continue  # closed while we looked
    raise AssertionError(f"no process of {candidates} holds socket {inode}")


def answered_by(port: int, candidates: list[int], key: str, method: str, path: str,
                body: object = None) -> tuple[int, Any]:
    """One request on a connection of its own: the process that answered it, and the answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body),
                           headers={"Authorization": f"Bearer {key}",
                                    "Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read())
        assert response.status < 300, answer
        # Still open (keep-alive): the server's end is held by the process that answered.
        pid = holder(socket_inode(port, connection.sock.getsockname()[1]), candidates)
    finally:
        connection.close()
    return pid, answer


def test_two_api_processes_share_the_database_and_one_set_of_workers(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORTIN_DATABASE_URL": str(tmp_path / "portin.db")}
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen([PORTIN, "serve", "--port", str(port), "--api-processes", "2"],
                             env=env, stdout=log, stderr=subprocess.STDOUT)
    children: list[int] = []
    try:
        wait_until_up(f"http://127.0.0.1:{port}", serve)
        org = json.loads(subprocess.run([PORTIN, "org", "create", "two", "--json"], env=env,
                                        capture_output=True, text=True, check=True,
                                        timeout=60).stdout)
        wait_for(lambda: len(api_processes(serve.pid)) == 2, 30, "the API processes")
        children = children_of(serve.pid)
        api = api_processes(serve.pid)
        workers = [pid for pid in children if "worker" in command_line(pid)]
        assert len(workers) == 1  # started by serve once, not by each API process

        first, made = answered_by(port, api, org["api_key"], "POST", "/v2/porting_orders",
                                  {"phone_numbers": ["+17203330001"]})
        order_id = made["data"][0]["id"]
        readers = set()
        for _ in range(200):
            reader, read = answered_by(port, api, org["api_key"], "GET",
                                       f"/v2/porting_orders/{order_id}")
            assert read["data"]["id"] == order_id
            readers.add(reader)
            if reader != first:
                break
        assert readers - {first}, "every request was answered by the same process"
        assert all(children_of(pid) == [] for pid in api)  # no API process started workers
    finally:
        serve.terminate()
        code = serve.wait(timeout=60)
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
    wait_for(lambda: all(has_exited(pid) for pid in children), 15, "every child to stop")
