"""The API path against its framework: portin's requests per second and latency beside a bare
FastAPI app on the same uvicorn doing the same SQL (bench/api_bare.py), in the same run.

    .venv/bin/python bench/api.py                                   # SQLite (temp file)
    .venv/bin/python bench/api.py --database-url postgresql://...   # a scratch database
    .venv/bin/python bench/api.py --database-url postgresql://... --api-processes 1,2

A --database-url is migrated and filled with benchmark data: give it a scratch database.

It fills one organization with --orders orders (half of them submitted, so that there are
events), then, for each request below, captures the statements portin runs for it (in
process, on the same database) and hands them to the bare app, which replays them per
request. Each request is timed against both servers, one after the other, with a closed loop of
--concurrency clients (the maximum), then at half of portin's maximum in an open loop (the
latency a caller sees at half load, counted from when each request was due).

Reads: an events page, an orders page, one order. Writes: create an order, add a comment, an
operator status move (submitted <-> exception).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from fastapi.testclient import TestClient
from sqlalchemy import event

from portin.api.app import create_app
from portin.config import Settings
from portin.domain.lifecycle import OrderStatus
from portin.domain.timefmt import utcnow
from portin.services import operator as operator_service
from portin.services import orders as order_service
from portin.services.accounts import create_api_key, create_organization
from portin.storage import migrations
from portin.storage.db import Database

HERE = Path(__file__).resolve().parent
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Every request of the bench fits well inside this, so the rate limit counts but never refuses.
BENCH_RATE_LIMIT = "1000000/second"


@dataclass
class Fixture:
    organization_id: str
    user_key: str
    operator_key: str
    order_ids: list[str]
    movable_ids: list[str]  # submitted orders the status moves cycle through


@dataclass
class Request:
    """One kind of request: how portin is sent it (the n-th time), and the bare app's path."""

    name: str
    method: str
    writes: bool
    make: Callable[[int], tuple[str, dict[str, Any] | None, str]]  # n -> path, json, key


def fill(db: Database, orders: int) -> Fixture:
    started = time.perf_counter()
    with db.writing() as session:
        org = create_organization(session, "bench")
        user_key = create_api_key(session, "user", org.id)
        operator_key = create_api_key(session, "operator", None)
    order_ids: list[str] = []
    for start in range(0, orders, 500):
        with db.writing() as session:
            for n in range(start, min(orders, start + 500)):
                order = order_service.create_order(
                    session, org.id, [f"+1303{2_000_000 + n:07d}"], f"bench-{n}", None, utcnow())
                order_ids.append(order.id)
    movable: list[str] = []
    for start in range(0, len(order_ids) // 2, 250):
        with db.writing() as session:
            for order_id in order_ids[start:min(len(order_ids) // 2, start + 250)]:
                order_service.confirm(session, org.id, order_id, utcnow())
                operator_service.set_status(session, order_id, OrderStatus.SUBMITTED, [], None,
                                            utcnow())
                movable.append(order_id)
    print(f"filled {orders:,} orders ({len(movable):,} submitted) in"
          f" {time.perf_counter() - started:.1f} s")
    return Fixture(org.id, user_key, operator_key, order_ids, movable)


def new_number(n: int) -> str:
    return f"+1720{2_000_000 + n % 7_000_000:07d}"


def requests(fixture: Fixture) -> list[Request]:
    user, operator = fixture.user_key, fixture.operator_key
    one = fixture.order_ids[-1]  # a draft: never moved by the writes
    commented = fixture.order_ids[-2]
    movable = fixture.movable_ids

    exception: set[str] = set()  # the pool's orders now in exception (the rest are submitted)

    def move(n: int) -> tuple[str, dict[str, Any], str]:
        # Round the pool: each visit moves the order to the other of the two statuses.
        order_id = movable[n % len(movable)]
        if order_id in exception:
            exception.discard(order_id)
            body: dict[str, Any] = {"value": "submitted"}
        else:
            exception.add(order_id)
            body = {"value": "exception", "details": [{"code": "OTHER"}]}
        return f"/v2/operator/porting_orders/{order_id}/status", body, operator

    return [
        Request("events_page", "GET", False,
                lambda n: ("/v2/porting/events?page[size]=20", None, user)),
        Request("orders_page", "GET", False,
                lambda n: ("/v2/porting_orders?page[size]=20", None, user)),
        Request("one_order", "GET", False, lambda n: (f"/v2/porting_orders/{one}", None, user)),
        Request("create_order", "POST", True,
                lambda n: ("/v2/porting_orders", {"phone_numbers": [new_number(n)]}, user)),
        Request("add_comment", "POST", True,
                lambda n: (f"/v2/porting_orders/{commented}/comments",
                           {"body": f"comment {n}"}, user)),
        Request("status_move", "POST", True, move),
    ]


def capture(db: Database, settings: Settings, fixture: Fixture,
            kinds: list[Request]) -> dict[str, Any]:
    """The statements portin runs for each request (its transactions' BEGINs left to the bare
    app, which runs them all in one), and which of their values must be new on each replay."""
    statements: list[tuple[str, Any, bool]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, _context: Any,
               many: bool) -> None:
        if not sql.lstrip().upper().startswith("BEGIN"):
            # SQLAlchemy's insertmanyvalues says "many" of what it runs as one statement.
            many = many and isinstance(params, list) and isinstance(params[0], (list, tuple, dict))
            statements.append((sql, params, many))

    engines = {db.engine, db._write_engine}  # the bench may look inside: it is not an API
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    known = {fixture.organization_id, *fixture.order_ids}
    scenarios: dict[str, Any] = {}
    with TestClient(create_app(settings, db=db)) as client:
        for kind in kinds:
            # The second of two: caches warmed, as in the timed runs. Far into the move pool,
            # so these moves are not the ones the timed runs start with.
            for n in (10**6, 10**6 + 2):
                statements.clear()
                path, body, key = kind.make(n)
                response = client.request(kind.method, path, json=body,
                                          headers={"Authorization": f"Bearer {key}"})
                assert response.status_code < 300, (kind.name, response.text)
            seen = {value for _, params, _ in statements for value in _strings(params)}
            sent = set(_strings(body)) if body else set()
            fresh = {v for v in seen if (UUID.fullmatch(v) and v not in known)
                     or v.startswith("sr_") or (v in sent and v.startswith("+"))}
            scenarios[kind.name] = {"writes": kind.writes, "statements": list(statements),
                                    "fresh": sorted(fresh)}
            print(f"  {kind.name}: {len(statements)} statements")
    for engine in engines:
        event.remove(engine, "before_cursor_execute", record)
    return scenarios


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_portin(database_url: str, port: int, api_processes: int,
                 extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PORTIN_DATABASE_URL": database_url,
           "PORTIN_RATE_LIMIT_PER_KEY": BENCH_RATE_LIMIT, **(extra_env or {})}
    command = [sys.executable, "-m", "portin", "serve", "--port", str(port)]
    if api_processes > 1:
        command += ["--api-processes", str(api_processes)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_up(f"http://127.0.0.1:{port}/healthz", process)
    return process


def start_bare(database_url: str, statements: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, str(HERE / "api_bare.py"), "--database-url", database_url,
         "--statements", str(statements), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_up(f"http://127.0.0.1:{port}/docs", process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Figures:
    rate: float  # requests per second
    p50: float  # milliseconds
    p99: float
    errors: int


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Sequence:
    """The n handed to each request: shared by every client, never repeated in a run."""

    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> int:
        n = self.next
        self.next += 1
        return n


async def closed_loop(base: str, kind: Request, numbers: Sequence, bare: bool,
                      concurrency: int, seconds: float) -> Figures:
    """`concurrency` clients, each sending its next request as soon as the last answered."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                ok = await send(session, base, kind, numbers.take(), bare)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += not ok
        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return Figures(len(latencies) / elapsed, percentile(latencies, 0.5),
                   percentile(latencies, 0.99), errors)


async def open_loop(base: str, kind: Request, numbers: Sequence, bare: bool, rate: float,
                    seconds: float) -> Figures:
    """Requests sent at `rate` per second whatever the answers do; each latency counts from
    when its request was due, so a server that falls behind shows it."""
    latencies: list[float] = []
    errors = 0
    total = max(1, int(rate * seconds))
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.perf_counter()

        async def one(i: int) -> None:
            nonlocal errors
            due = began + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            ok = await send(session, base, kind, numbers.take(), bare)
            latencies.append((time.perf_counter() - due) * 1000)
            errors += not ok
        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - began
    return Figures(total / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99),
                   errors)


async def send(session: aiohttp.ClientSession, base: str, kind: Request, n: int,
               bare: bool) -> bool:
    if bare:
        path, body, key = f"/{kind.name}", None, ""
    else:
        path, body, key = kind.make(n)
    async with session.request(kind.method, base + path, json=body,
                               headers={"Authorization": f"Bearer {key}"}) as response:
        await response.read()
        return response.status < 300


def measure(base: str, kind: Request, numbers: Sequence, bare: bool, concurrency: int,
            seconds: float, half_of: float | None = None) -> tuple[Figures, Figures]:
    asyncio.run(closed_loop(base, kind, numbers, bare, concurrency, min(1.0, seconds)))  # warm
    best = asyncio.run(closed_loop(base, kind, numbers, bare, concurrency, seconds))
    half = asyncio.run(open_loop(base, kind, numbers, bare, (half_of or best.rate) / 2, seconds))
    return best, half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--api-processes", default="1",
                        help="Comma-separated process counts to measure portin with.")
    parser.add_argument("--only", help="Comma-separated request names.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="portin-bench-api-"))
    database_url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    migrations.upgrade(database_url)
    db = Database(database_url)
    settings = Settings(database_url=database_url, rate_limit_per_key=BENCH_RATE_LIMIT)
    fixture = fill(db, args.orders)
    kinds = requests(fixture)
    if args.only:
        kinds = [k for k in kinds if k.name in args.only.split(",")]
    scenarios = capture(db, settings, fixture, kinds)
    db.dispose()
    statements = folder / "statements.pickle"
    statements.write_bytes(pickle.dumps(scenarios))

    bare_port = free_port()
    bare = start_bare(database_url, statements, bare_port)
    processes = [int(p) for p in args.api_processes.split(",")]
    portin = {p: (free_port(), None) for p in processes}
    lines = [f"command: {shlex.join(['bench/api.py', *sys.argv[1:]])}",
             f"database: {'sqlite' if database_url.startswith('sqlite') else 'postgresql'},"
             f" {args.orders:,} orders; concurrency {args.concurrency}, {args.seconds:g} s each",
             "", "| request | server | max req/s | p50 ms | p99 ms | ratio | half-load req/s"
             " | half-load p50 ms | half-load p99 ms |", "|---|---|---|---|---|---|---|---|---|"]
    numbers = Sequence(0)
    try:
        results: dict[tuple[str, str], tuple[Figures, Figures]] = {}
        for count in processes:
            port, _ = portin[count]
            server = start_portin(database_url, port, count)
            try:
                for kind in kinds:
                    base_bare = f"http://127.0.0.1:{bare_port}"
                    if (kind.name, "bare") not in results:
                        results[kind.name, "bare"] = measure(
                            base_bare, kind, numbers, True, args.concurrency, args.seconds)
                    results[kind.name, f"portin x{count}"] = measure(
                        f"http://127.0.0.1:{port}", kind, numbers, False, args.concurrency,
                        args.seconds)
            finally:
                stop(server)
        for kind in kinds:
            ceiling = results[kind.name, "bare"][0].rate
            for label in ["bare", *(f"portin x{c}" for c in processes)]:
                best, half = results[kind.name, label]
                ratio = "1.00" if label == "bare" else f"{best.rate / ceiling:.2f}"
                errors = f" ({best.errors + half.errors} errors)" if best.errors + half.errors \
                    else ""
                lines.append(f"| {kind.name} | {label}{errors} | {best.rate:,.0f} |"
                             f" {best.p50:.1f} | {best.p99:.1f} | {ratio} | {half.rate:,.0f} |"
                             f" {half.p50:.1f} | {half.p99:.1f} |")
    finally:
        stop(bare)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
