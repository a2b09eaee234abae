"""The delivery worker: claims due deliveries, sends them, records every attempt.

One asyncio loop per process. Claims and results go through the database on the loop's own
thread, in batches (see `_claim_some` for why not in another thread); sends run
concurrently, at most `worker_concurrency` at once in all and `worker_per_endpoint` to any one
destination, so a slow or dead endpoint cannot hold up the others. A claimed delivery is
leased: if this process dies, another worker takes it over once the lease runs out. On
SQLite one worker process is enough (writes are serialized anyway); on PostgreSQL any number
may run side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
from collections import Counter
from datetime import timedelta

import prometheus_client

from portin.config import Settings, health_rules, lease_seconds, public_base_url
from portin.delivery.email import EmailSender, RenderedEmail, render
from portin.delivery.email_context import email_context
from portin.delivery.key_cache import SigningKeyCache
from portin.delivery.results import SendResult
from portin.delivery.webhook import WebhookSender, envelope
from portin.domain.retry import Outcome, RetryPolicy, decide
from portin.domain.timefmt import iso, utcnow
from portin.metrics import DELIVERIES_CLAIMED, DELIVERY_ATTEMPTS, DELIVERY_SECONDS
from portin.outbox import wake
from portin.outbox.queue import DeliveryQueue
from portin.outbox.rows import AttemptRecord, Claimed
from portin.storage.db import Database, WriteLockBusy
from portin.worker.outage import OutageBackoff

log = logging.getLogger(__name__)

# A method's and outcome's attempt counter and the method's duration histogram.
_Series = tuple[prometheus_client.Counter, prometheus_client.Histogram]

# How soon to try again when SQLite's write lock was taken.
LOCK_RETRY_SECONDS = 0.001


class DeliveryWorker:
    def __init__(self, db: Database, settings: Settings, worker_id: str | None = None,
                 rng: random.Random | None = None) -> None:
        self.db = db
        self.settings = settings
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.rng = rng or random.Random()
        self.policy = RetryPolicy(settings.retry_base_seconds, settings.retry_max_attempts,
                                  settings.retry_window_seconds)
        self.webhooks = WebhookSender(settings.delivery_timeout_seconds,
                                      settings.allow_private_webhooks,
                                      total_limit=settings.worker_concurrency,
                                      per_host_limit=settings.worker_per_endpoint)
        self.email = EmailSender(settings.smtp_url, settings.email_from,
                                 settings.delivery_timeout_seconds)
        self._health_rules = health_rules(settings)
        self._keys = SigningKeyCache()  # read again at claims once a copy is 1 s old
        self._in_flight: set[asyncio.Task[None]] = set()
        self._by_destination: Counter[str] = Counter()
        self._sending: set[str] = set()  # the deliveries being sent now
        # A claim failed: it may have committed all the same, leaving leases nobody sends.
        self._leases_in_doubt = False
        self._records: list[AttemptRecord] = []
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_work = False  # a commit in this process wrote deliveries
        self._batch = max(1, settings.worker_concurrency // 2)
        self._retry_soon = False  # the write lock was busy
        self._metric_series: dict[tuple[str, str], _Series] = {}
        self._dialect = db.engine.dialect.name
        self._outage = OutageBackoff(log, "delivery worker")

    # -- waking -------------------------------------------------------------------------
    def wake(self) -> None:
        """Called from any thread after a commit that wrote deliveries."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._committed)

    def _committed(self) -> None:
        self._new_work = True
        self._wake.set()

    def _woken_by_datagram(self, wake_socket: socket.socket) -> None:
        wake.drain(wake_socket)
        self._committed()

    # -- the loop -----------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        await self.webhooks.start()
        self.db.wake_listeners.append(self.wake)
        listener = (None if self.db.is_sqlite else asyncio.create_task(
            wake.listen_for_work(self.db.url, self._committed, stop)))
        wake_socket = wake.bind_listener(self.db.wake_address)
        if wake_socket is not None:
            self._loop.add_reader(wake_socket, self._woken_by_datagram, wake_socket)
        log.info("delivery worker %s ready (%s)", self.worker_id,
                 "woken at commit" if wake_socket is not None or not self.db.is_sqlite
                 else f"polling every {self.settings.worker_poll_seconds:g} s")
        try:
            while not stop.is_set():
                claimed = self._claim_some()
                await self._pause(stop, busy=claimed > 0)
        finally:
            self.db.wake_listeners.remove(self.wake)
            if wake_socket is not None:
                self._loop.remove_reader(wake_socket)
                wake_socket.close()
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
            # Graceful stop: no new claims; what is being sent finishes (each send is bounded
            # by the delivery timeout) and its attempt is recorded.
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self._flush()
            await self.webhooks.close()

    def _free_slots(self) -> int:
        return self.settings.worker_concurrency - len(self._in_flight)

    async def _pause(self, stop: asyncio.Event, busy: bool) -> None:
        if busy and self._free_slots() > 0:
            await asyncio.sleep(0)  # more may be due right away
            return
        if self._retry_soon:
            self._retry_soon = False
            await asyncio.sleep(LOCK_RETRY_SECONDS)
            return
        if self._outage.pause is not None:
            # The database is away: sends in flight finish meanwhile, and their attempts wait
            # in memory until it is back.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._outage.pause)
            return
        self._wake.clear()
        waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
        await asyncio.wait(waiters, timeout=self.settings.worker_poll_seconds,
                           return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    def _claim_some(self) -> int:
        """Claim what fits in the free slots and start sending it.

        The database work runs right here on the loop thread: it is a few short statements,
        and handing it to another thread costs more under the GIL than it saves. Attempts
        waiting to be recorded are written in the same transaction as the claim."""
        free = self._free_slots()
        # Under load, claim in batches (half the slots at a time): one claim per
        # completed send would spend more on transactions than on sending. When nothing is
        # in flight, claim at once, so a lone event goes out without delay.
        if free <= 0 or (self._in_flight and free < self._batch):
            return 0
        records, self._records = self._records, []
        new_work, self._new_work = self._new_work, False
        try:
            claimed = self._claim(free, records, look_first=not new_work)
        except WriteLockBusy:
            # Another writer holds SQLite's lock: go on sending what is in flight and try
            # again in a moment, rather than stall the loop waiting for the lock.
            self._records = records + self._records
            self._new_work = self._new_work or new_work
            self._retry_soon = True
            return 0
        except Exception as exc:
            if not self._outage.failed(exc):
                log.exception("claiming deliveries failed; trying again shortly")
            self._records = records + self._records
            self._new_work = self._new_work or new_work
            self._leases_in_doubt = True
            return 0
        self._outage.succeeded()
        self._leases_in_doubt = False
        DELIVERIES_CLAIMED.inc(len(claimed))
        for item in claimed:
            self._by_destination[item.destination] += 1
            self._sending.add(item.delivery_id)
            task = asyncio.create_task(self._deliver(item))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(claimed)

    def _claim(self, limit: int, records: list[AttemptRecord], look_first: bool
               ) -> list[Claimed]:
        now = utcnow()
        if look_first and not records and not self._leases_in_doubt:
            with self.db.driver_reading() as connection:
                if not self._queue(connection).any_due(now):
                    return []  # nothing to do: no write transaction, no lock taken
        with self.db.driver_writing(wait=False) as connection:
            queue = self._queue(connection)
            queue.record(self.worker_id, records)
            if self._leases_in_doubt:
                released = queue.release_leases(self.worker_id, sorted(self._sending))
                if released:
                    log.info("released %d lease(s) of a claim that failed", released)
            claimed = queue.claim(
                self.worker_id, now, now + timedelta(seconds=lease_seconds(self.settings)),
                limit, self.settings.worker_per_endpoint, self._by_destination)
            for organization_id in {item.organization_id for item in claimed}:
                if self._keys.stale(organization_id, now):
                    self._keys.put(organization_id, queue.signing_keys(organization_id, now),
                                   now)
        return claimed

    def _render_email(self, claimed: Claimed) -> RenderedEmail:
        with self.db.reading() as session:
            return render(email_context(session, claimed, public_base_url(self.settings)))

    # -- one send -----------------------------------------------------------------------
    async def _deliver(self, claimed: Claimed) -> None:
        """Prepare and send one delivery and note its attempt. Whatever goes wrong here is
        this delivery's failed attempt, retried on the usual schedule: it neither holds up the
        others nor waits for its lease to run out."""
        started = utcnow()
        try:
            try:
                result = await self._send(claimed)
            except Exception as exc:
                log.exception("delivery %s could not be sent", claimed.delivery_id)
                result = SendResult(Outcome.RETRY, started, utcnow(),
                                    error=_failure_text(claimed, exc))
            self._records.append(self._decide(claimed, result))
            self._count_attempt(claimed.method, result)
        finally:
            self._sending.discard(claimed.delivery_id)
            self._by_destination[claimed.destination] -= 1
            if self._by_destination[claimed.destination] <= 0:
                del self._by_destination[claimed.destination]
            self._wake.set()

    async def _send(self, claimed: Claimed) -> SendResult:
        if claimed.method == "email":
            try:
                email = self._render_email(claimed)
            except Exception as exc:
                raise _Unprepared(exc) from exc
            return await self.email.send(claimed.destination, email, claimed.event_id)
        body = envelope(claimed.event_id, claimed.event_type, iso(claimed.occurred_at) or "",
                        claimed.payload_json, claimed.attempt, claimed.destination,
                        claimed.sequence)
        # The key current at this send: a switch announced ahead needs no read.
        return await self.webhooks.send(claimed.destination, body,
                                        self._keys.key_at(claimed.organization_id, utcnow()))

    def _count_attempt(self, method: str, result: SendResult) -> None:
        """The attempt in the metrics. The labelled series are looked up once each: labels()
        takes a lock and builds a key, for every attempt."""
        key = (method, str(result.outcome))
        series = self._metric_series.get(key)
        if series is None:
            series = self._metric_series[key] = (DELIVERY_ATTEMPTS.labels(*key),
                                                 DELIVERY_SECONDS.labels(method))
        attempts, seconds = series
        attempts.inc()
        seconds.observe(result.duration_ms / 1000)

    def _decide(self, claimed: Claimed, result: SendResult) -> AttemptRecord:
        decision = decide(result.outcome, claimed.attempt, claimed.created_at,
                          result.finished_at, self.policy, self.rng, result.retry_after)
        return AttemptRecord(
            claimed=claimed, status=decision.attempt_status,
            delivery_status=decision.delivery_status,
            next_attempt_at=decision.next_attempt_at,
            started_at=result.started_at, finished_at=result.finished_at,
            duration_ms=result.duration_ms, http=result.http, email=result.email,
            error=result.error, errors=result.errors)

    # -- results ------------------------------------------------------------------------
    async def _flush(self) -> None:
        """At shutdown: record what is left (results are otherwise written with each claim)."""
        for _ in range(20):
            if not self._records:
                return
            batch, self._records = self._records, []
            try:
                self._write(batch)
            except Exception as exc:
                if not self._outage.failed(exc):
                    log.exception("recording %d attempt(s) failed; retrying", len(batch))
                self._records = batch + self._records
                await asyncio.sleep(0.5)
        if self._records:
            log.error("%d attempt(s) could not be recorded; their leases will run out and"
                      " they will be sent again", len(self._records))

    def _write(self, batch: list[AttemptRecord]) -> None:
        with self.db.driver_writing() as connection:
            self._queue(connection).record(self.worker_id, batch)

    def _queue(self, connection: object) -> DeliveryQueue:
        return DeliveryQueue(connection, self._dialect, self._health_rules)


class _Unprepared(Exception):
    """The email could not be rendered (its cause says why)."""


def _failure_text(claimed: Claimed, exc: Exception) -> str:
    """The attempt's error: what failed, in a line. Never a traceback; for a send, only the
    exception's type (its message may quote a destination's credentials)."""
    if isinstance(exc, _Unprepared) and exc.__cause__ is not None:
        cause = exc.__cause__
        return f"the email could not be rendered: {type(cause).__name__}: {cause}"[:500]
    return f"the {claimed.method} send failed unexpectedly: {type(exc).__name__}"
