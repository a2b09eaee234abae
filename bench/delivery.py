"""Delivery throughput and latency, in one run on loopback.

    .venv/bin/python bench/delivery.py [--events 5000] [--database-url postgresql://...]
                                       [--statements] [--cpu]

A --database-url is migrated and filled with benchmark data: give it a scratch database.

Prints, against the same receiver process (which verifies every Ed25519 signature):
1. the ceiling: the same HTTP client (aiohttp, on the same event loop as portin's worker:
   uvloop where installed), posting signed ~700-byte bodies at concurrency 64 with no
   database;
2. portin end to end, from event commit to verified receipt, with 1 and with 50 endpoints
   subscribed, with 1 and with 2 worker processes doing the sending (this process commits
   the events, as the API process would);
3. event-to-receipt latency p50/p99 at 100 and 200 events/s and at half of the best
   1-endpoint throughput.

Each throughput figure is set against a ceiling measured just before it: on a shared machine
the speed drifts by tens of percent within minutes.

--statements (PostgreSQL, with pg_stat_statements preloaded on the server): after each
throughput run, the server's work in that run per statement, divided by the deliveries made:
calls, execution time, rows, shared blocks hit/dirtied and WAL bytes. The counters are reset
for the scratch database only (others on the server keep theirs).

--cpu: after each ceiling and each throughput run, the CPU time (user + system) each party
spent in it, in µs per request or delivery: the sender (the ceiling's "client", which is this
process; or the "worker" process with its children), the "receiver", this process ("bench":
committing the events, polling the receiver) and, on PostgreSQL, every process named postgres
(its backends, and through the postmaster's count of its children those that ended meanwhile);
their total; "other", the rest of the machine's busy time (/proc/stat: anything else that
ran); and 2 cores x the run's wall time, what the machine had to give. Read from /proc once
the worker is ready (its migrations do not count) and again once every delivery has arrived
(the receiver is polled every 0.1 s: the wall time can be up to 0.1 s long).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
from nacl.signing import SigningKey

from portin.config import Settings
from portin.delivery import event_loop
from portin.domain import events as payloads
from portin.domain.events import EventType
from portin.domain.notification_catalog import PORT_IN_CONDITION_ID
from portin.domain.timefmt import utcnow
from portin.services import accounts, notifications, signing_keys
from portin.services import orders as order_service
from portin.services.events import facts, record
from portin.storage import migrations
from portin.storage.db import Database

HERE = Path(__file__).parent
WORKERS = {1: "1 worker process (as `portin serve` runs)",
           2: "2 worker processes (`portin worker --processes 2`)"}
PORTIN = str(Path(sys.executable).parent / "portin")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_seconds(parties: dict[str, int | None], postgres: bool) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each party: a pid with all its descendants,
    or None for this process alone (not the children it has waited for); by every process
    named postgres ("postgres", if asked); by the whole machine ("machine", /proc/stat); and
    "wall", the monotonic clock. A process's figure includes its children that have exited
    and been waited for (a PostgreSQL backend that ended is in the postmaster's)."""
    table: dict[int, tuple[str, int, int]] = {}  # pid -> (name, parent pid, clock ticks)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name, _, rest = text[text.index("(") + 1:].rpartition(") ")
        fields = rest.split()  # proc(5)'s fields from the 3rd: ppid is the 4th, then
        # utime, stime, cutime, cstime the 14th to 17th
        table[int(stat.parent.name)] = (name, int(fields[1]), sum(map(int, fields[11:15])))
    seconds: dict[str, float] = {}
    for party, pid in parties.items():
        if pid is None:
            seconds[party] = time.process_time()
            continue
        tree, grown = {pid}, True
        while grown:
            more = {child for child, (_, parent, _) in table.items() if parent in tree}
            grown = not more <= tree
            tree |= more
        seconds[party] = sum(table[p][2] for p in tree if p in table) / CLOCK_TICKS
    if postgres:
        seconds["postgres"] = sum(ticks for name, _, ticks in table.values()
                                  if name == "postgres") / CLOCK_TICKS
    cpu = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    # user nice system idle iowait irq softirq steal (guest time is in user already)
    seconds["machine"] = (sum(map(int, cpu[:8])) - int(cpu[3]) - int(cpu[4])) / CLOCK_TICKS
    seconds["wall"] = time.monotonic()
    return seconds


def cpu_line(label: str, before: dict[str, float], after: dict[str, float], count: int) -> str:
    """One run's CPU per delivery (or request), each party's and the machine's, in µs."""
    used = {party: (after[party] - before[party]) * 1e6 / count for party in after}
    wall, machine = used.pop("wall"), used.pop("machine")
    total = sum(used.values())
    parties = "  ".join(f"{party} {us:5.0f}" for party, us in used.items())
    return (f"cpu      {label + ', µs each:':34s} {parties}  total {total:5.0f};  other"
            f" {machine - total:4.0f};  {CORES} cores x wall {CORES * wall:5.0f}"
            f" ({machine / (CORES * wall):.0%} busy)")


class ReceiverProcess:
    def __init__(self, public_key: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "receiver.py"), "--port", str(self.port),
             "--public-key", public_key])
        for _ in range(100):
            try:
                get_json(self.stats_url)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("receiver did not start")

    @property
    def stats_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stats"

    @property
    def count_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/count"

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{n}"

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{self.port}/reset", method="POST"), timeout=10).read()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


async def ceiling(receiver: ReceiverProcess, signing_key: SigningKey, count: int,
                  concurrency: int = 64) -> tuple[float, float, float]:
    body_template = {"data": {"event_type": "porting_order.status_changed",
                              "id": "", "occurred_at": utcnow().isoformat(),
                              "payload": {"customer_reference": "x" * 300, "id": "o",
                                          "status": {"details": [], "value": "submitted"},
                                          "support_key": "sr_000000", "updated_at": "",
                                          "webhook_url": None}, "record_type": "event"},
                     "meta": {"attempt": 1, "delivered_to": receiver.url(0)}}
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def sender() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                body_template["data"]["id"] = f"ceiling-{i}"  # type: ignore[index]
                body = json.dumps(body_template, separators=(",", ":")).encode()
                timestamp = str(int(time.time()))
                signature = base64.b64encode(
                    signing_key.sign(timestamp.encode() + b"|" + body).signature).decode()
                started = time.perf_counter()
                async with session.post(receiver.url(0), data=body, headers={
                        "Content-Type": "application/json", "telnyx-timestamp": timestamp,
                        "telnyx-signature-ed25519": signature}) as response:
                    await response.read()
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return count / elapsed, statistics.median(latencies), percentile(latencies, 0.99)


def make_org(db: Database) -> tuple[str, Any, SigningKey]:
    with db.writing() as session:
        org = accounts.create_organization(session, "bench")
        order = order_service.create_order(session, org.id, ["+13032220001"], "bench", None,
                                           utcnow())
        return org.id, order, signing_keys.signing_key_at(session, org.id, utcnow())


def subscribe(db: Database, organization_id: str, urls: list[str]) -> None:
    settings = Settings(database_url=db.url, allow_private_webhooks=True)
    with db.writing() as session:
        now = utcnow()
        profile = notifications.create_profile(session, organization_id, "bench", now)
        for url in urls:
            channel = notifications.create_channel(session, organization_id, {
                "channel_type_id": "webhook", "channel_destination": url,
                "notification_profile_id": profile.id}, settings, now)
            notifications.create_setting(session, organization_id, {
                "notification_event_condition_id": PORT_IN_CONDITION_ID,
                "notification_profile_id": profile.id, "notification_channel_id": channel.id},
                now)


def write_events(db: Database, order: Any, count: int, per_transaction: int
                 ) -> dict[str, float]:
    """Commit `count` events; returns event id -> wall-clock commit time."""
    committed: dict[str, float] = {}
    for start in range(0, count, per_transaction):
        ids = []
        with db.writing() as session:
            for i in range(start, min(count, start + per_transaction)):
                now = utcnow()
                event = record(session, order, EventType.NEW_COMMENT, payloads.new_comment(
                    facts(order), f"c{i}", "x" * 200, now, None, "admin"), now)
                ids.append(event)
        at = time.time()
        committed.update(dict.fromkeys(ids, at))
    return committed


def wait_count(receiver: ReceiverProcess, expected: int, timeout: float = 600) -> None:
    """Poll the receiver's count (cheap) until `expected` have arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if get_json(receiver.count_url)["received"] >= expected:
            return
        time.sleep(0.1)
    raise RuntimeError(f"only {get_json(receiver.count_url)['received']} of {expected} arrived")


def wait_received(receiver: ReceiverProcess, expected: int, timeout: float = 600) -> Any:
    """Wait for `expected` arrivals, then read their arrival times once."""
    wait_count(receiver, expected, timeout)
    return get_json(receiver.stats_url)


def start_worker(database_url: str, processes: int, concurrency: int,
                 per_endpoint: int | None = None, timeout_seconds: float | None = None,
                 ready_times: list[float] | None = None) -> subprocess.Popen[bytes]:
    """`portin worker --processes N`, once its workers say they are ready (each migrates
    first, which takes a while). `ready_times` gets the time.time() of each one's "ready":
    the first may be at work before the last is ready."""
    env = {**os.environ, "PORTIN_DATABASE_URL": database_url,
           "PORTIN_ALLOW_PRIVATE_WEBHOOKS": "1",
           "PORTIN_WORKER_CONCURRENCY": str(concurrency),
           "PORTIN_WORKER_PER_ENDPOINT": str(per_endpoint or concurrency)}
    if timeout_seconds is not None:
        env["PORTIN_DELIVERY_TIMEOUT_SECONDS"] = str(timeout_seconds)
    process = subprocess.Popen([PORTIN, "worker", "--processes", str(processes)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    ready = 0
    for line in process.stderr:
        if b"delivery worker" in line and b"ready" in line:
            if ready_times is not None:
                ready_times.append(time.time())
            ready += 1
            if ready == processes:
                break
    else:
        raise RuntimeError("the worker exited before it was ready")
    # Keep reading its log, so that it never blocks on a full pipe.
    threading.Thread(target=process.stderr.read, daemon=True).start()
    return process


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)


class StatementStats:
    """The server's work per statement (pg_stat_statements), in this database only."""

    _THIS_DB = "(SELECT oid FROM pg_database WHERE datname = current_database())"

    def __init__(self, db: Database) -> None:
        self.db = db
        with db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def reset(self) -> None:
        with self.db.engine.begin() as connection:
            connection.exec_driver_sql(f"SELECT pg_stat_statements_reset(0, {self._THIS_DB}, 0)")

    def report(self, deliveries: int, top: int = 12) -> None:
        with self.db.engine.begin() as connection:
            rows = connection.exec_driver_sql(
                "SELECT query, calls, total_exec_time, rows, shared_blks_hit + shared_blks_read,"
                " shared_blks_dirtied, wal_bytes FROM pg_stat_statements"
                f" WHERE dbid = {self._THIS_DB} ORDER BY total_exec_time DESC").all()
        per = float(deliveries)
        print(f"         server per delivery, by statement ({deliveries} deliveries):"
              "   calls       µs     rows   blocks  dirtied      WAL B")
        for query, calls, ms, count, blocks, dirtied, wal in rows[:top]:
            text = " ".join(str(query).split())
            text = text if len(text) <= 60 else text[:57] + "..."
            print(f"           {text:60s} {calls / per:7.3f} {ms * 1000 / per:8.1f}"
                  f" {count / per:8.2f} {blocks / per:8.2f} {dirtied / per:8.3f}"
                  f" {float(wal) / per:10.1f}")
        totals = [sum(float(row[n]) for row in rows) / per for n in range(1, 7)]
        print(f"           {'all ' + str(len(rows)) + ' statements':60s} {totals[0]:7.3f}"
              f" {totals[1] * 1000:8.1f} {totals[2]:8.2f} {totals[3]:8.2f} {totals[4]:8.3f}"
              f" {totals[5]:10.1f}")


def end_to_end(db: Database, receiver: ReceiverProcess, order: Any, events: int,
               endpoints: int, processes: int, concurrency: int,
               statements: StatementStats | None = None,
               cpu: bool = False) -> float:
    """Events committed 100 to a transaction as fast as this process can; deliveries per
    second from the first commit to the last verified receipt. With `cpu`, prints the CPU
    each party spent per delivery."""
    receiver.reset()
    worker = start_worker(db.url, processes, concurrency)
    parties = {"worker": worker.pid, "receiver": receiver.process.pid, "bench": None}
    postgres = db.engine.dialect.name == "postgresql"
    try:  # a failed run leaves no worker behind to skew the next benchmark
        if statements is not None:
            statements.reset()  # after the workers' migrations: only the run itself counts
        before = cpu_seconds(parties, postgres) if cpu else None
        committed = write_events(db, order, events, 100)
        wait_count(receiver, events * endpoints)
        after = cpu_seconds(parties, postgres) if cpu else None
        stats = get_json(receiver.stats_url)
    finally:
        stop_worker(worker)
    if statements is not None:
        statements.report(events * endpoints)
    first_commit = min(committed.values())
    last_arrival = max(max(times) for times in stats["arrivals"].values())
    assert stats["bad"] == 0
    rate: float = events * endpoints / (last_arrival - first_commit)
    if before is not None and after is not None:
        print(cpu_line(f"{endpoints} endpoint{'s' * (endpoints > 1)}, {processes}"
                       f" worker{'s' * (processes > 1)}", before, after, events * endpoints))
    return rate


def latency_at(db: Database, receiver: ReceiverProcess, order: Any, rate: float,
               seconds: float, processes: int, concurrency: int) -> tuple[float, float]:
    """One event per commit at `rate`; the worker process is woken by each commit."""
    receiver.reset()
    worker = start_worker(db.url, processes, concurrency)
    committed: dict[str, float] = {}
    interval = 1.0 / rate
    next_at = time.perf_counter()
    end = next_at + seconds
    while time.perf_counter() < end:
        committed.update(write_events(db, order, 1, 1))
        next_at += interval
        pause = next_at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
    stats = wait_received(receiver, len(committed))
    stop_worker(worker)
    latencies = [(stats["arrivals"][event_id][0] - at) * 1000
                 for event_id, at in committed.items()]
    return statistics.median(latencies), percentile(latencies, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=64,
                        help="requests in flight per worker process, to one endpoint or all")
    parser.add_argument("--statements", action="store_true",
                        help="after each throughput run, the server's work per statement and"
                             " delivery (PostgreSQL's pg_stat_statements)")
    parser.add_argument("--cpu", action="store_true",
                        help="after each ceiling and throughput run, the CPU each party (sender,"
                             " receiver, this process, PostgreSQL) spent per delivery")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="portin-delivery-bench-")
    url = args.database_url or str(Path(folder) / "bench.db")
    migrations.upgrade(url)
    db = Database(url)
    if args.statements and db.engine.dialect.name != "postgresql":
        parser.error("--statements needs a PostgreSQL --database-url")
    statements = StatementStats(db) if args.statements else None
    organization_id, order, signing_key = make_org(db)
    receiver = ReceiverProcess(base64.b64encode(bytes(signing_key.verify_key)).decode())
    try:
        print(f"database: {db.engine.dialect.name}; {os.cpu_count()} cores; the receiver "
              f"verifies every signature; worker concurrency {args.concurrency} per process")
        loop = "uvloop" if event_loop.loop_factory() else "asyncio"
        ceilings: list[float] = []
        postgres = db.engine.dialect.name == "postgresql"

        def ceiling_now() -> float:
            """This machine's speed drifts from minute to minute: each portin figure is set
            against a ceiling measured just before it."""
            parties = {"client": None, "receiver": receiver.process.pid}
            before = cpu_seconds(parties, postgres) if args.cpu else None
            rate = event_loop.run(ceiling(receiver, signing_key, args.events * 2))[0]
            if before is not None:
                print(cpu_line(f"ceiling {rate:.0f} req/s", before,
                               cpu_seconds(parties, postgres), args.events * 2))
            ceilings.append(rate)
            return rate

        rate = ceiling_now()
        print(f"ceiling  aiohttp on {loop}, signed, concurrency 64, no database: {rate:8.0f} req/s "
              f"(measured again before each throughput figure below)")
        subscribe(db, organization_id, [receiver.url(0)])
        best = 0.0
        for processes in (1, 2):
            rate = ceiling_now() if processes > 1 else rate
            one = end_to_end(db, receiver, order, args.events, 1, processes, args.concurrency,
                             statements, args.cpu)
            best = max(best, one)
            print(f"portin   1 endpoint,  commit -> verified receipt:      {one:8.0f} "
                  f"deliveries/s ({one / rate:.0%} of {rate:.0f}), {WORKERS[processes]}")
        print("latency  commit -> verified receipt, 1 endpoint, one event per commit:")
        for processes in (1, 2):
            for load in (100, 200, round(best / 2)):
                lp50, lp99 = latency_at(db, receiver, order, load, args.latency_seconds,
                                        processes, args.concurrency)
                print(f"         {load:5d} events/s, {WORKERS[processes]}: p50 {lp50:7.1f} ms,"
                      f" p99 {lp99:7.1f} ms")
        subscribe(db, organization_id, [receiver.url(n) for n in range(1, 50)])
        for processes in (1, 2):
            rate = ceiling_now()
            fifty = end_to_end(db, receiver, order, max(1, args.events // 50), 50, processes,
                               args.concurrency, statements, args.cpu)
            print(f"portin   50 endpoints, commit -> verified receipt:     {fifty:8.0f} "
                  f"deliveries/s ({fifty / rate:.0%} of {rate:.0f}), {WORKERS[processes]}")
        print(f"ceiling  {len(ceilings)} measurements: {min(ceilings):.0f} to "
              f"{max(ceilings):.0f} req/s")
    finally:
        receiver.stop()
        db.dispose()


if __name__ == "__main__":
    main()
