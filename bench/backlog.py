"""Backlog: a receiver comes back after an outage, in one run on loopback.

    flock /work/wt/bench.lock .venv/bin/python bench/backlog.py [--backlog 100000]
        [--small 1000] [--outage-hours 1] [--database-url postgresql://...] [--cpu]

A --database-url is migrated and filled with benchmark data: give it a scratch database.

How the backlog is built (rather than living through an hour of outage): the events are
written through portin's own write path (services.events.record, 2,000 to a transaction),
one webhook delivery each, to the receiver. Then every delivery is given the history it would
have after an outage of --outage-hours: its event is moved to a random moment of the outage
(in event order) and the real retry policy (domain/retry.py, with the default settings) is
played from there, attempt after attempt, until the receiver returns. Every attempt is
written as the worker writes a failed one (a delivery_attempts row: connection refused), and
attempt_count, next_attempt_at, last_error are where the policy leaves them; the destination
is failing (alerted) since the outage began. A delivery whose attempts would all have been used
up is drawn again, so the backlog is exactly --backlog deliveries still pending. The receiver
returns when the last of them is due: every one is due when the drain starts, with the due
times spread as the policy left them.

Then the receiver answers again: `portin serve`'s API process runs (2 s to warm up, 3 s of
baseline with nothing to drain), and one delivery worker process starts (`portin worker`, as
`portin serve` starts it; concurrency 64, per endpoint 64 as in bench/delivery.py, or
--per-endpoint). Measured,
for a --small backlog and then a --backlog one:
1. the drain rate (backlog / seconds from the worker's start to the last verified receipt),
   against the ceiling measured just before on the same receiver (bench/delivery.py's: the
   same aiohttp client, signed bodies, concurrency 64, no database);
2. the worker process's memory: VmRSS from /proc/<pid>/status every 0.1 s (peak), and the
   kernel's own high-water mark (VmHWM) at the end;
3. the API's latency during the drain: GET /v2/porting/events?page[size]=20 and
   GET /v2/porting_orders in turns at --api-rate requests/s, open loop (counted from when each
   request was due), on up to 8 keep-alive connections;
4. nothing lost or sent twice: the receiver verifies every signature and notes each arrival
   by the body's data.id (the event id; portin's webhooks carry no delivery id header, and
   each event has exactly one delivery here); every delivery id must be delivered in the
   database with exactly one delivered attempt.
Meanwhile new events keep coming (--live-rate a second, committed by this process): they are
in the exactly-once count too, and their commit-to-receipt latency is shown.
--cpu: the CPU each party spent per delivery during the drain (from the worker's start to
the last receipt), as bench/delivery.py --cpu shows it, with the API process beside them
(this process, "bench", also sends the API load and commits the new events).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from api import wait_up
from delivery import (
    ReceiverProcess,
    ceiling,
    cpu_line,
    cpu_seconds,
    free_port,
    get_json,
    make_org,
    percentile,
    start_worker,
    stop_worker,
    subscribe,
    write_events,
)
from sqlalchemy import text

from portin.config import Settings
from portin.delivery import event_loop
from portin.domain.endpoint_health import destination_id
from portin.domain.ids import new_id
from portin.domain.retry import RetryPolicy
from portin.domain.timefmt import utcnow
from portin.outbox.spelling import SPELLINGS
from portin.services.accounts import create_api_key
from portin.storage import migrations
from portin.storage.db import Database

PORTIN = str(Path(sys.executable).parent / "portin")
CONCURRENCY = 64
MB = 1024 * 1024


# -- building the backlog -----------------------------------------------------------------
@dataclass
class History:
    created: datetime
    attempts: list[datetime]  # when each failed attempt was made
    next_at: datetime


def play_outage(policy: RetryPolicy, outage_start: datetime, back_at: datetime,
                rng: random.Random) -> History | None:
    """One delivery's outage: its event at a random moment of it, then attempt after attempt
    as the policy schedules them, until the receiver is back. None if it would have failed
    (its attempts used up): not part of the backlog."""
    span = (back_at - outage_start).total_seconds()
    created = outage_start + timedelta(seconds=rng.uniform(0, span))
    attempts: list[datetime] = []
    at = created
    while at < back_at:
        attempts.append(at)
        finished = at + timedelta(milliseconds=1)
        following = policy.next_attempt(len(attempts), created, finished, rng)
        if following is None:
            return None
        at = following
    return History(created, attempts, at)


def build_backlog(db: Database, order: Any, organization_id: str, url: str, count: int,
                  outage_hours: float, rng: random.Random) -> tuple[list[str], list[str]]:
    """`count` due deliveries after an outage (see the module's docstring); returns their
    ids and their event ids."""
    write_events(db, order, count, 2000)
    settings = Settings(database_url=db.url)
    policy = RetryPolicy(settings.retry_base_seconds, settings.retry_max_attempts,
                         settings.retry_window_seconds)
    back_at = utcnow()
    outage_start = back_at - timedelta(hours=outage_hours)
    histories: list[History] = []
    while len(histories) < count:
        found = play_outage(policy, outage_start, back_at, rng)
        if found is not None:
            histories.append(found)
    histories.sort(key=lambda h: h.created)
    # Back to where every one is due: the receiver returns when the last retry is due.
    shift = max(h.next_at for h in histories) - back_at + timedelta(seconds=1)
    spelling = SPELLINGS[db.engine.dialect.name]
    to_db = spelling.to_db
    error = f"ClientConnectorError: Cannot connect to host {url.split('/')[2]} ssl:default" \
            " [Connect call failed]"
    http_failed = json.dumps({"request": {"url": url, "headers": []}, "response": None})
    with db.engine.begin() as connection:
        rows = connection.execute(text(
            "SELECT d.id, d.event_id FROM deliveries AS d JOIN porting_events AS e"
            " ON e.id = d.event_id WHERE d.status = 'pending' AND d.attempt_count = 0"
            " ORDER BY e.seq")).all()
        assert len(rows) == count, (len(rows), count)
        moves, events, attempts = [], [], []
        total_attempts = 0
        for (delivery_id, event_id), history in zip(rows, histories, strict=True):
            created = history.created - shift
            last = history.attempts[-1] - shift
            moves.append({"id": delivery_id, "created": to_db(created),
                          "attempts": len(history.attempts),
                          "next": to_db(history.next_at - shift),
                          "started": to_db(history.attempts[0] - shift),
                          "finished": to_db(last + timedelta(milliseconds=1)),
                          "error": error})
            events.append({"id": event_id, "created": to_db(created)})
            for n, at in enumerate(history.attempts, start=1):
                attempts.append({
                    "id": new_id(), "delivery": delivery_id,
                    "attempt": n, "started": to_db(at - shift),
                    "finished": to_db(at - shift + timedelta(milliseconds=1)),
                    "http": http_failed, "error": error})
            total_attempts += len(history.attempts)
            if len(attempts) >= 20_000:
                insert_attempts(connection, spelling, attempts)
                attempts = []
        insert_attempts(connection, spelling, attempts)
        connection.execute(text(
            "UPDATE deliveries SET created_at = :created, attempt_count = :attempts,"
            " next_attempt_at = :next, started_at = :started, finished_at = :finished,"
            " last_error = :error WHERE id = :id"), moves)
        connection.execute(text("UPDATE porting_events SET created_at = :created"
                                " WHERE id = :id"), events)
        # Its destination: failing since the outage began, the organization told.
        connection.execute(text(
            "INSERT INTO delivery_destinations (id, organization_id, method, destination,"
            " state, consecutive_failures, failing_since, last_error, last_failure_at,"
            " alerted, created_at, updated_at) VALUES (:id, :org, 'webhook', :url,"
            " 'failing', :failures, :since, :error, :last, :alerted, :since, :last)"
            " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
            " consecutive_failures = excluded.consecutive_failures,"
            " failing_since = excluded.failing_since, last_error = excluded.last_error,"
            " last_failure_at = excluded.last_failure_at, alerted = excluded.alerted,"
            " updated_at = excluded.updated_at"),
            {"id": destination_id(organization_id, "webhook", url), "org": organization_id,
             "url": url, "failures": total_attempts, "since": to_db(outage_start - shift),
             "error": error, "last": to_db(back_at - shift), "alerted": True})
    attempt_counts = [len(h.attempts) for h in histories]
    print(f"backlog  {count} due deliveries after a {outage_hours:g} h outage:"
          f" {sum(attempt_counts)} failed attempts recorded ({min(attempt_counts)} to"
          f" {max(attempt_counts)} each, median {statistics.median(attempt_counts):g});"
          f" due over the last {due_spread(histories)}")
    return [r[0] for r in rows], [r[1] for r in rows]


def due_spread(histories: list[History]) -> str:
    due = sorted(h.next_at for h in histories)
    return (f"{(due[-1] - due[0]).total_seconds() / 60:.0f} min before the receiver"
            f" returned, at most {max(per_second(due).values())} in one second")


def per_second(times: list[datetime]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for at in times:
        counts[int(at.timestamp())] = counts.get(int(at.timestamp()), 0) + 1
    return counts


def insert_attempts(connection: Any, spelling: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(text(
            "INSERT INTO delivery_attempts (id, delivery_id, attempt, status, started_at,"
            " finished_at, duration_ms, http, email, error, errors, sent_by) VALUES (:id,"
            f" :delivery, :attempt, 'failed', :started, :finished, 1, {spelling.json('http')},"
            f" NULL, :error, {spelling.json('errors')}, 'bench-outage')"),
            [{**row, "errors": "[]"} for row in rows])


# -- the drain ----------------------------------------------------------------------------
class Api:
    """`portin serve` without its worker processes (PORTIN_WORKER_PROCESSES=0): the API
    process alone, the worker is started beside it (`start_worker`), as `portin serve`
    would, once the API has warmed up."""

    def __init__(self, database_url: str, port: int) -> None:
        env = {**os.environ, "PORTIN_DATABASE_URL": database_url,
               "PORTIN_WORKER_PROCESSES": "0",
               "PORTIN_RATE_LIMIT_PER_KEY": "1000000/second"}
        self.process = subprocess.Popen([PORTIN, "serve", "--port", str(port)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_up(f"http://127.0.0.1:{port}/healthz", self.process)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def worker_pids(worker: subprocess.Popen[bytes], processes: int) -> list[int]:
    """The processes that deliver: `portin worker` itself, or with --processes N > 1 its
    children (it only supervises them)."""
    if processes == 1:
        return [worker.pid]
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    return [int(child) for child in children]


def largest_kb(pids: list[int], field_name: str) -> int:
    """The largest worker's figure: each process has its own memory."""
    return max(memory_kb(pid, field_name) for pid in pids)


def memory_kb(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} for {pid}")


@dataclass
class Sampler:
    """Something done every `interval` seconds on a thread of its own until stopped."""

    interval: float
    action: Callable[[float], None]
    stopped: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Sampler:
        def run() -> None:
            due = time.perf_counter()
            while not self.stopped.is_set():
                self.action(due)
                due += self.interval
                self.stopped.wait(max(0.0, due - time.perf_counter()))
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()


class ApiLoad:
    """Open loop: each request is sent when due, on one of a few keep-alive connections (a
    slow answer does not hold up the next request, as it would on a single connection), and
    timed from when it was due."""

    PATHS = ("/v2/porting/events?page[size]=20", "/v2/porting_orders")
    CONNECTIONS = 8

    def __init__(self, port: int, api_key: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self.sent = 0
        # (when it was due, which path, milliseconds, answered 200)
        self.timed: list[tuple[float, str, float, bool]] = []
        self.pool = ThreadPoolExecutor(self.CONNECTIONS)
        self.failures: Counter[str] = Counter()  # what the failed requests came to
        self.local = threading.local()

    def one(self, due: float) -> None:
        path = self.PATHS[self.sent % 2]
        self.sent += 1
        self.pool.submit(self._send, due, path)

    def _send(self, due: float, path: str) -> None:
        connection = getattr(self.local, "connection", None)
        # uvicorn closes a keep-alive connection after 5 s idle, and http.client only finds
        # out when it sends on it (RemoteDisconnected): a thread of the pool left idle that
        # long opens a new one first, as a browser would.
        if connection is not None and time.monotonic() - self.local.used > 4.0:
            connection.close()
            connection = None
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=30)
        self.local.used = time.monotonic()
        try:
            connection.request("GET", path, headers=self.headers)
            response = connection.getresponse()
            body = response.read()
            ok = response.status == 200
            if not ok:
                self.failures[f"HTTP {response.status} {body[:200]!r}"] += 1
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            self.failures[f"{type(exc).__name__}: {exc}"] += 1
            ok = False
        self.timed.append((due, path, (time.perf_counter() - due) * 1000, ok))

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def window(self, start: float, end: float) -> list[tuple[str, float, bool]]:
        return [(path, ms, ok) for due, path, ms, ok in self.timed if start <= due <= end]

    def stalls(self, start: float, end: float, over_ms: float = 250) -> str:
        """When (seconds into the window) requests took longer than `over_ms`, in runs."""
        runs: list[list[float]] = []
        for due, _path, ms, _ok in self.timed:
            if start <= due <= end and ms > over_ms:
                if runs and due - runs[-1][1] <= 1.0:
                    runs[-1][1], runs[-1][2] = due, max(runs[-1][2], ms)
                else:
                    runs.append([due, due, ms])
        return ", ".join(f"+{a - start:.0f}..{b - start:.0f} s (worst {worst:.0f} ms)"
                         for a, b, worst in runs) or "none"


@dataclass
class Drained:
    seconds: float  # worker ready -> last backlog receipt
    first_to_last: float
    rate: float
    rss_start: int
    rss_peak: int
    hwm: int
    api: list[tuple[str, float, bool]]  # the requests due during the drain
    quiet: list[tuple[str, float, bool]]  # those of the 3 s before the worker started
    stalls: str
    failures: dict[str, int]
    live_latencies: list[float]
    duplicates: int
    missing: int
    unexpected: int
    bad: int
    not_delivered: int
    delivered_attempts: int
    expected_deliveries: int
    cpu: tuple[dict[str, float], dict[str, float]] | None  # --cpu: cpu_seconds before, after


def drain(db: Database, receiver: ReceiverProcess, order: Any, api_key: str,
          backlog_ids: list[str], backlog_events: list[str], api_rate: float,
          live_rate: float, timeout: float, per_endpoint: int, cpu: bool,
          workers: int) -> Drained:
    receiver.reset()
    port = free_port()
    server = Api(db.url, port)
    api = ApiLoad(port, api_key)
    live: dict[str, float] = {}
    load = Sampler(1 / api_rate, api.one).start()
    # The API warms up (2 s, not counted), then answers 3 s with no drain (the baseline).
    quiet_from = time.perf_counter() + 2
    time.sleep(5)
    quiet_until = time.perf_counter()
    ready_times: list[float] = []
    worker = start_worker(db.url, workers, CONCURRENCY, per_endpoint, ready_times=ready_times)
    pids = worker_pids(worker, workers)
    ready_at = ready_times[0]  # the first worker drains at once
    parties = {"worker": worker.pid, "api": server.process.pid,
               "receiver": receiver.process.pid, "bench": None}
    postgres = db.engine.dialect.name == "postgresql"
    cpu_before = cpu_seconds(parties, postgres) if cpu else None
    drain_from = time.perf_counter()
    rss = [largest_kb(pids, "VmRSS")]
    rss_start = rss[0]
    samplers = [load, Sampler(0.1, lambda _due: rss.append(largest_kb(pids, "VmRSS")))
                .start()]
    new_events = (Sampler(1 / live_rate, lambda _due: live.update(write_events(db, order, 1, 1)))
                  .start() if live_rate > 0 else None)
    count = len(backlog_ids)
    deadline = time.monotonic() + timeout

    def received() -> int:
        return int(get_json(receiver.count_url)["received"])

    while received() < count and time.monotonic() < deadline:
        time.sleep(0.25)
    drain_until = time.perf_counter()
    if new_events is not None:
        new_events.stop()  # the backlog is all but done: no more new events
    while received() < count + len(live) and time.monotonic() < deadline:
        time.sleep(0.25)
    cpu_after = cpu_seconds(parties, postgres) if cpu else None
    for sampler in samplers:
        sampler.stop()
    api.close()
    hwm = largest_kb(pids, "VmHWM")
    stats = get_json(receiver.stats_url)
    stop_worker(worker)
    server.stop()
    arrivals: dict[str, list[float]] = stats["arrivals"]
    expected = set(backlog_events) | set(live)
    backlog_times = [min(arrivals[e]) for e in backlog_events if e in arrivals]
    last = max(backlog_times)
    with db.engine.connect() as connection:
        ids = backlog_ids + [row[0] for row in connection.execute(text(
            "SELECT id FROM deliveries WHERE event_id IN (SELECT value FROM json_each(:ids))"
            if db.is_sqlite else
            "SELECT id FROM deliveries WHERE event_id = ANY(CAST(:ids AS text[]))"),
            {"ids": json.dumps(list(live)) if db.is_sqlite else list(live)})]
        not_delivered = connection.execute(text(
            "SELECT count(*) FROM deliveries WHERE status <> 'delivered'")).scalar_one()
        delivered_attempts = connection.execute(text(
            "SELECT count(*) FROM delivery_attempts WHERE status = 'delivered'"
            " AND delivery_id IN (SELECT value FROM json_each(:ids))" if db.is_sqlite else
            "SELECT count(*) FROM delivery_attempts WHERE status = 'delivered'"
            " AND delivery_id = ANY(CAST(:ids AS text[]))"),
            {"ids": json.dumps(ids) if db.is_sqlite else ids}).scalar_one()
    seconds = last - ready_at
    return Drained(
        seconds=seconds, first_to_last=last - min(backlog_times), rate=count / seconds,
        rss_start=rss_start, rss_peak=max(rss), hwm=hwm,
        api=api.window(drain_from, drain_until), quiet=api.window(quiet_from, quiet_until),
        stalls=api.stalls(drain_from, drain_until), failures=dict(api.failures),
        live_latencies=[(min(arrivals[e]) - at) * 1000 for e, at in live.items()
                        if e in arrivals],
        duplicates=sum(len(times) - 1 for times in arrivals.values()),
        missing=len(expected - set(arrivals)), unexpected=len(set(arrivals) - expected),
        bad=int(stats["bad"]), not_delivered=int(not_delivered),
        delivered_attempts=int(delivered_attempts), expected_deliveries=len(ids),
        cpu=None if cpu_before is None or cpu_after is None else (cpu_before, cpu_after))


def report(label: str, count: int, before: float, after: float, result: Drained) -> None:
    """The ceiling drifts by tens of percent within minutes on this shared machine: the drain
    is set against the mean of the ceilings measured just before and just after it."""
    ceiling_rate = (before + after) / 2
    ratio = result.rate / ceiling_rate
    print(f"drain    {label} {count:7d}: {result.rate:6.0f} deliveries/s, {ratio:.2f} of the"
          f" ceiling ({ceiling_rate:.0f} req/s: {before:.0f} just before, {after:.0f} just"
          f" after; goal 0.6):"
          f" {result.seconds:.1f} s from the worker's start to the last receipt"
          f" (first to last receipt {result.first_to_last:.1f} s)")
    print(f"memory   {label} {count:7d}: worker VmRSS {result.rss_start / 1024:.1f} MB at start,"
          f" peak {result.rss_peak / 1024:.1f} MB sampled, VmHWM {result.hwm / 1024:.1f} MB")
    everything = [ms for _path, ms, _ok in result.api]
    parts = [f"{path.split('?')[0]} p50 {statistics.median(v):.1f} p99 {percentile(v, 0.99):.1f}"
             for path in ApiLoad.PATHS if (v := [ms for p, ms, _ok in result.api if p == path])]
    quiet = [ms for _path, ms, _ok in result.quiet]
    p99 = percentile(everything, 0.99)
    print(f"api      {label} {count:7d}: {len(everything)} requests at"
          f" {len(everything) / max(result.seconds, 0.001):.1f}/s during the drain, p99"
          f" {p99:.1f} ms ({p99 / 50:.2f} of the 50 ms goal), p50"
          f" {statistics.median(everything):.1f} ms, max {max(everything):.1f} ms,"
          f" {sum(not ok for _p, _ms, ok in result.api)} errors; " + "; ".join(parts))
    if quiet:
        print(f"api      {label} {count:7d}: the 3 s before the worker started (no drain):"
              f" p50 {statistics.median(quiet):.1f} ms, p99 {percentile(quiet, 0.99):.1f} ms;"
              f" the drain's p99 is {p99 / percentile(quiet, 0.99):.1f} times that")
    print(f"api      {label} {count:7d}: requests over 250 ms during the drain: {result.stalls}")
    if result.failures:
        print(f"api      {label} {count:7d}: failed requests (the whole run): {result.failures}")
    if result.live_latencies:
        print(f"live     {label} {count:7d}: {len(result.live_latencies)} new events during the"
              f" drain, commit -> receipt p50 {statistics.median(result.live_latencies):.0f} ms,"
              f" max {max(result.live_latencies):.0f} ms")
    verdict = ("exactly once" if not (result.duplicates or result.missing or result.unexpected
                                      or result.bad or result.not_delivered)
               and result.delivered_attempts == result.expected_deliveries else "WRONG")
    print(f"once     {label} {count:7d}: {verdict}: {result.expected_deliveries} expected,"
          f" {result.duplicates} sent twice, {result.missing} missing, {result.unexpected}"
          f" unexpected, {result.bad} bad signatures, {result.not_delivered} not delivered in"
          f" the database, {result.delivered_attempts} delivered attempts")
    if result.cpu is not None:
        print(cpu_line(f"{label} {count:7d}", *result.cpu, result.expected_deliveries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--outage-hours", type=float, default=1.0)
    parser.add_argument("--api-rate", type=float, default=20.0)
    parser.add_argument("--live-rate", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=420.0,
                        help="seconds a drain may take before the run gives up on it")
    parser.add_argument("--per-endpoint", type=int, default=CONCURRENCY,
                        help="PORTIN_WORKER_PER_ENDPOINT (portin's default is 8)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (`portin worker --processes N`); memory is"
                             " the largest one's")
    parser.add_argument("--cpu", action="store_true",
                        help="the CPU each party (worker, API, receiver, this process,"
                             " PostgreSQL) spent per delivery during the drain")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="portin-backlog-bench-")
    url = args.database_url or str(Path(folder) / "bench.db")
    migrations.upgrade(url)
    db = Database(url)
    organization_id, order, signing_key = make_org(db)
    with db.writing() as session:
        api_key = create_api_key(session, "user", organization_id)
    receiver = ReceiverProcess(base64.b64encode(bytes(signing_key.verify_key)).decode())
    rng = random.Random(7)
    try:
        print(f"database: {db.engine.dialect.name}; {os.cpu_count()} cores; `portin serve`'s"
              f" API process and {args.workers} worker process(es), concurrency"
              f" {CONCURRENCY} each, per endpoint"
              f" {args.per_endpoint}; API load {args.api_rate:g} req/s; {args.live_rate:g} new"
              f" events/s during the drain")
        subscribe(db, organization_id, [receiver.url(0)])
        results: dict[int, Drained] = {}
        for label, count in (("small", args.small), ("large", args.backlog)):
            started = time.perf_counter()
            ids, events = build_backlog(db, order, organization_id, receiver.url(0), count,
                                        args.outage_hours, rng)
            print(f"         built in {time.perf_counter() - started:.0f} s")
            rate = event_loop.run(ceiling(receiver, signing_key, 10_000, CONCURRENCY))[0]
            results[count] = drain(db, receiver, order, api_key, ids, events, args.api_rate,
                                   args.live_rate, args.timeout, args.per_endpoint,
                                   args.cpu, args.workers)
            after = event_loop.run(ceiling(receiver, signing_key, 10_000, CONCURRENCY))[0]
            report(label, count, rate, after, results[count])
        small, large = results[args.small], results[args.backlog]
        grown = (large.rss_peak - small.rss_peak) * 1024 / MB
        grown_hwm = (large.hwm - small.hwm) * 1024 / MB
        print(f"memory   peak at {args.backlog} vs at {args.small}: {grown:+.1f} MB sampled,"
              f" {grown_hwm:+.1f} MB VmHWM ({abs(grown_hwm) / 50:.2f} of the 50 MB allowance);"
              f" ratio {large.hwm / small.hwm:.2f}")
    finally:
        receiver.stop()
        db.dispose()


if __name__ == "__main__":
    main()
