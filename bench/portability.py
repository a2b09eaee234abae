"""The time of one portability check of 1,000 numbers, from the bare rules to a real server.

    .venv/bin/python bench/portability.py [--rounds 30] [--database-url postgresql://...]

A --database-url is migrated and given a benchmark organization: give it a scratch database.
Without one, a temporary SQLite file is used.

Prints the p50 and p95 (milliseconds) of, for the same 1,000 numbers (a mix of US local and
toll-free, UK landlines, German numbers and invalid ones, under the shipped rules):
1. the ceiling: the bare evaluation (`domain.portability.evaluate_all`, libphonenumber and
   the rule lookup), no database;
2. the service: the rules table read in a read transaction, then the evaluation;
3. the API: POST /v2/portability_checks to a real `portin serve` on loopback, over one
   kept-alive HTTP connection, the JSON answer read in full.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from portin.domain import portability
from portin.services import portability as portability_service
from portin.services.accounts import create_api_key, create_organization
from portin.storage import migrations
from portin.storage.db import Database

COUNT = 1000


def numbers() -> list[str]:
    mix = [f"+1720333{i:04d}" for i in range(700)]
    mix += [f"+1800222{i:04d}" for i in range(100)]
    mix += [f"+44207946{i:04d}" for i in range(100)]
    mix += [f"+49301234{i:03d}" for i in range(50)]
    mix += [f"+1720{i:03d}" for i in range(25)] + [f"720333{i:04d}" for i in range(25)]
    assert len(mix) == COUNT
    return mix


def timed(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    run()  # warm up (imports, caches, the connection)
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PORTIN_DATABASE_URL": database_url}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "portin", "serve", "--port",
                                    str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    until = time.monotonic() + 60
    while time.monotonic() < until:
        if process.poll() is not None:
            raise RuntimeError(f"portin serve exited with {process.returncode}; see {log}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("portin serve did not come up in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="portin-bench-portability-"))
    database_url = args.database_url or str(folder / "portin.db")
    migrations.upgrade(database_url)
    db = Database(database_url)
    with db.writing() as session:
        organization = create_organization(session, "bench-portability")
        api_key = create_api_key(session, "user", organization.id)
    batch = numbers()
    book = portability.rule_book(portability_service.shipped_rules())

    def service_check() -> object:
        with db.reading() as session:
            return portability_service.check(session, batch)

    bare = timed(lambda: portability.evaluate_all(batch, book), args.rounds)
    service = timed(service_check, args.rounds)
    port = free_port()
    process = serve(database_url, port, folder / "serve.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/v2", timeout=30,
                          headers={"Authorization": f"Bearer {api_key}"}) as client:
            def api_check() -> object:
                response = client.post("/portability_checks", json={"phone_numbers": batch})
                assert response.status_code == 201, response.text
                return response.json()

            api = timed(api_check, args.rounds)
    finally:
        process.terminate()
        process.wait(timeout=15)
        db.dispose()
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    print(f"portability check of {COUNT:,} numbers, {backend}, {args.rounds} rounds;"
          " milliseconds")
    print(f"{'what':<44} {'p50':>8} {'p95':>8}")
    for name, (p50, p95) in (("bare evaluation (ceiling)", bare),
                             ("service: rules read + evaluation", service),
                             ("API: POST /v2/portability_checks (served)", api)):
        print(f"{name:<44} {p50:>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
