"""The worker's side of the outbox: claiming due deliveries and recording attempts.

This is the hottest path in portin: every delivery is claimed, leased and recorded here. So
its statements are plain SQL run on the driver's own connection (sqlite3 or psycopg), not
SQLAlchemy statements: on this path SQLAlchemy's per-statement and per-value work cost about
as much as the database's own (`bench/delivery.py`). Each statement is written once below, in
`:name` style with a few markers for what the two databases spell differently; the values are
converted here to the forms SQLAlchemy stores (times as naive UTC, SQLite's as text in one
format; JSON compact), and tests check that both paths store and read the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from portin.domain import endpoint_health as health
from portin.domain.endpoint_health import destination_id
from portin.domain.ids import new_id
from portin.storage.db import compact_json


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery leased to one worker, with what it needs to send attempt `attempt`."""

    delivery_id: str
    organization_id: str
    method: str
    destination: str
    attempt: int
    created_at: datetime
    event_id: str
    event_type: str
    porting_order_id: str
    # The event's payload as stored (JSON text): a webhook body embeds it as it is.
    payload_json: str
    occurred_at: datetime
    # The event's place in its order's history (the webhook's meta.sequence).
    sequence: int

    @property
    def payload(self) -> dict[str, Any]:
        """The payload as a dict; {} for a null one (porting_order.loa_updated's)."""
        return dict(json.loads(self.payload_json) or {})


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    claimed: Claimed
    status: str  # the attempt's: delivered or failed
    delivery_status: str  # the delivery's after it: delivered, pending or failed
    next_attempt_at: datetime | None
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    http: dict[str, Any] | None
    email: dict[str, Any] | None
    error: str | None
    errors: list[int]


# -- the statements ---------------------------------------------------------------------
# Markers: {ids:x} a list parameter as a row source, {json:x} a JSON parameter, {text:c} a
# JSON column read as its text, {skip_locked} PostgreSQL's row locks for concurrent claims.
# 'pending' is written into the SQL, not bound: only then can the planner see that the
# partial index of pending deliveries serves the query.
# An ordered channel's delivery waits while an earlier one (a lower event seq; on a tie, an
# older delivery id) of its order to its channel is still pending: being sent, or waiting
# for a retry. A delivered or failed one no longer holds it. A delivery to a channel that is
# not ordered has no order_seq, and the check stops there.
_EARLIER = ("SELECT 1 FROM deliveries AS earlier"
            " WHERE earlier.status = 'pending' AND earlier.order_seq IS NOT NULL"
            " AND earlier.porting_order_id = deliveries.porting_order_id"
            " AND earlier.notification_channel_id = deliveries.notification_channel_id"
            " AND earlier.order_seq <= deliveries.order_seq"  # a range in the index
            " AND (earlier.order_seq < deliveries.order_seq OR earlier.id < deliveries.id)")
_DUE = ("status = 'pending' AND next_attempt_at <= :now"
        " AND (lease_until IS NULL OR lease_until < :now)"
        f" AND (order_seq IS NULL OR NOT EXISTS ({_EARLIER}))")
_ANY_DUE = f"SELECT 1 FROM deliveries WHERE {_DUE} LIMIT 1"
_CANDIDATES = (f"SELECT id, organization_id, method, destination FROM deliveries WHERE {_DUE}"
               " AND destination NOT IN ({ids:busy})"
               " ORDER BY next_attempt_at LIMIT :candidates {skip_locked}")
_LEASE = ("UPDATE deliveries SET lease_until = :lease_until, leased_by = :worker"
          " WHERE id IN ({ids:chosen})"
          " RETURNING id, organization_id, method, destination, attempt_count, created_at,"
          " event_id")
# The leases this worker holds but is not sending: those of a claim that the database committed
# while the connection failed before it could say so.
_RELEASE = ("UPDATE deliveries SET lease_until = NULL, leased_by = NULL"
            " WHERE status = 'pending' AND leased_by = :worker AND id NOT IN ({ids:sending})")
# Endpoint health (domain/endpoint_health.py). A due delivery whose destination is disabled is
# paused at its claim instead of sent: kept, out of the queue, until the destination is enabled.
_DISABLED = ("SELECT id FROM delivery_destinations"
             " WHERE state = 'disabled' AND id IN ({ids:destinations})")
_PAUSE = ("UPDATE deliveries SET status = 'paused', lease_until = NULL, leased_by = NULL"
          " WHERE id IN ({ids:paused}) AND status = 'pending'")
# When the worker disables a destination, its deliveries waiting for a retry are paused at once
# (those being sent are paused at their next claim).
_PAUSE_DESTINATION = ("UPDATE deliveries SET status = 'paused'"
                      " WHERE organization_id = :organization_id AND method = :method"
                      " AND destination = :destination AND status = 'pending'"
                      " AND leased_by IS NULL")
# Locked on PostgreSQL (in id order, so two workers never wait on each other in a circle): two
# workers moving one destination's health take turns instead of overwriting each other.
_HEALTH = ("SELECT id, state, consecutive_failures, failing_since, last_error,"
           " last_failure_at, last_success_at, disabled_at, disabled_reason, alerted"
           " FROM delivery_destinations WHERE id IN ({ids:destinations})"
           " ORDER BY id {for_update}")
# Only a person enables a disabled destination: a worker's write never undoes a disable.
_SAVE_HEALTH = ("INSERT INTO delivery_destinations (id, organization_id, method, destination,"
                " state, consecutive_failures, failing_since, last_error, last_failure_at,"
                " last_success_at, disabled_at, disabled_reason, alerted, created_at,"
                " updated_at) VALUES (:id, :organization_id, :method, :destination, :state,"
                " :consecutive_failures, :failing_since, :last_error, :last_failure_at,"
                " :last_success_at, :disabled_at, :disabled_reason, :alerted, :now, :now)"
                " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
                " consecutive_failures = excluded.consecutive_failures,"
                " failing_since = excluded.failing_since, last_error = excluded.last_error,"
                " last_failure_at = excluded.last_failure_at,"
                " last_success_at = excluded.last_success_at,"
                " disabled_at = excluded.disabled_at,"
                " disabled_reason = excluded.disabled_reason, alerted = excluded.alerted,"
                " updated_at = excluded.updated_at"
                " WHERE delivery_destinations.state <> 'disabled'")
_INSERT_ALERT = ("INSERT INTO destination_alerts (id, organization_id, destination_id, kind,"
                 " facts, created_at, attempts) VALUES (:id, :organization_id,"
                 " :destination_id, :kind, {json:facts}, :now, 0)")
_EVENTS = ("SELECT id, event_type, porting_order_id, {text:payload}, created_at, sequence"
           " FROM porting_events WHERE id IN ({ids:events})")
# An organization's signing keys from the one current at :now on: it and any announced.
_KEYS = ("SELECT seed, valid_from FROM signing_keys WHERE organization_id = :organization_id"
         " AND valid_from >= coalesce((SELECT max(valid_from) FROM signing_keys"
         " WHERE organization_id = :organization_id AND valid_from <= :now), :now)"
         " ORDER BY valid_from")
# Guarded by the lease and the attempt number: a worker that lost its lease (it hung past
# lease_until and another worker took over) changes nothing.
_ADVANCE = ("UPDATE deliveries SET attempt_count = :attempt, status = :status,"
            " lease_until = NULL, leased_by = NULL, last_error = :error,"
            " finished_at = :finished, started_at = coalesce(started_at, :started),"
            " next_attempt_at = coalesce(:next, next_attempt_at)"
            " WHERE id = :id AND leased_by = :worker AND attempt_count = :previous")
_INSERT_ATTEMPT = ("INSERT INTO delivery_attempts (id, delivery_id, attempt, status,"
                   " started_at, finished_at, duration_ms, http, email, error, errors, sent_by)"
                   " VALUES (:id, :delivery_id, :attempt, :status, :started, :finished,"
                   " :duration_ms, {json:http}, {json:email}, :error, {json:errors}, :worker)")

_MARKER = re.compile(r"\{(ids|json|text):(\w+)\}|\{(skip_locked|for_update)\}")
_PARAMETER = re.compile(r"(?<!:):(\w+)")


def _sqlite(sql: str) -> str:
    def marker(match: re.Match[str]) -> str:
        kind, name = match.group(1), match.group(2)
        if kind == "ids":  # a JSON array of the ids, unpacked by SQLite itself
            return f"SELECT value FROM json_each(:{name})"
        if kind == "json":
            return f":{name}"
        if kind == "text":  # stored as text already
            return name
        return ""  # no row locks: the write transaction itself is exclusive
    return _MARKER.sub(marker, sql)


def _postgresql(sql: str) -> str:
    def marker(match: re.Match[str]) -> str:
        kind, name = match.group(1), match.group(2)
        if kind == "ids":
            return f"SELECT unnest(CAST(:{name} AS text[]))"
        if kind == "json":
            return f"CAST(:{name} AS json)"
        if kind == "text":
            return f"CAST({name} AS text)"
        if match.group(3) == "for_update":
            return "FOR UPDATE"
        return "FOR UPDATE SKIP LOCKED"
    return _PARAMETER.sub(r"%(\1)s", _MARKER.sub(marker, sql))


@dataclass(frozen=True)
class _Dialect:
    sql: Callable[[str], str]
    # A time as the driver should bind it, and back (stored as naive UTC on both).
    to_db: Callable[[datetime], Any]
    from_db: Callable[[Any], datetime]
    # A list parameter, in the form the {ids:x} marker unpacks.
    ids: Callable[[list[str]], Any]
    # Run before a claim's first statement, in its transaction.
    before_claim: str | None = None


def _sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DATETIME stores (see storage.types), so times compare
    right: "2026-11-25 08:41:49.991842", the UTC time without its "+00:00"."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _sqlite_time_back(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _aware_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


_DIALECTS = {
    "sqlite": _Dialect(_sqlite, _sqlite_time, _sqlite_time_back, compact_json),
    # PostgreSQL keeps the index entries of deliveries already sent until a vacuum: a bitmap
    # scan (which the planner picks on a queue table's stale statistics) reads every one of
    # them on every claim, 7 ms per claim after 10,000 deliveries here. An index scan in due
    # order stops at the first rows it can take and marks the dead entries it passes, so the
    # next claim skips them: 0.2 ms.
    "postgresql": _Dialect(_postgresql, _naive_utc, _aware_utc, list,
                           before_claim="SET LOCAL enable_bitmapscan = off"),
}

_STATEMENTS = {"any_due": _ANY_DUE, "candidates": _CANDIDATES, "lease": _LEASE,
               "events": _EVENTS, "keys": _KEYS, "advance": _ADVANCE,
               "insert_attempt": _INSERT_ATTEMPT, "release": _RELEASE,
               "disabled": _DISABLED, "pause": _PAUSE, "health": _HEALTH,
               "pause_destination": _PAUSE_DESTINATION,
               "save_health": _SAVE_HEALTH, "insert_alert": _INSERT_ALERT}
# Each statement in each database's spelling, built once.
_SQL = {name: {statement: dialect.sql(sql) for statement, sql in _STATEMENTS.items()}
        for name, dialect in _DIALECTS.items()}


class DeliveryQueue:
    """The worker's statements on one driver connection, inside the caller's transaction
    (see `Database.driver_writing`); the caller commits."""

    def __init__(self, connection: Any, dialect_name: str,
                 health_rules: health.Rules = health.Rules(
                     disable_after_seconds=5 * 86_400, alert_after_failures=5)) -> None:
        self._connection = connection
        self._health_rules = health_rules
        self._dialect = _DIALECTS[dialect_name]
        self._sql = _SQL[dialect_name]

    def _rows(self, name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self._connection.cursor()
        try:
            cursor.execute(self._sql[name], params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _many(self, name: str, rows: list[dict[str, Any]]) -> int:
        cursor = self._connection.cursor()
        try:
            cursor.executemany(self._sql[name], rows)
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def any_due(self, now: datetime) -> bool:
        """A cheap read (no write lock needed): is any delivery due and unleased?"""
        return bool(self._rows("any_due", {"now": self._dialect.to_db(now)}))

    def claim(self, worker_id: str, now: datetime, lease_until: datetime, limit: int,
              per_destination: int, busy_destinations: Sequence[str]) -> list[Claimed]:
        """Lease up to `limit` due deliveries, oldest due first, at most `per_destination` to
        any one destination and none to a destination that is already busy. On PostgreSQL
        the candidates are locked with SKIP LOCKED, so concurrent workers take disjoint sets;
        on SQLite the write transaction itself is exclusive."""
        if limit <= 0:
            return []
        dialect = self._dialect
        if dialect.before_claim is not None:
            self._execute(dialect.before_claim)
        per: dict[str, int] = {}
        chosen: list[str] = []
        candidates = self._rows("candidates", {
            "now": dialect.to_db(now), "busy": dialect.ids(list(busy_destinations)),
            "candidates": limit * 4})
        # A claim's candidates go to few destinations: their ids are derived once each.
        ids = {named: destination_id(*named) for named in {
            (organization_id, method, destination)
            for _, organization_id, method, destination in candidates}}
        disabled = self._disabled(set(ids.values()))
        paused: list[str] = []
        for delivery_id, organization_id, method, destination in candidates:
            if disabled and ids[organization_id, method, destination] in disabled:
                paused.append(delivery_id)
                continue
            if per.get(destination, 0) >= per_destination:
                continue
            per[destination] = per.get(destination, 0) + 1
            chosen.append(delivery_id)
            if len(chosen) >= limit:
                break
        if paused:
            self._many("pause", [{"paused": dialect.ids(paused)}])
        if not chosen:
            return []
        leased = self._rows("lease", {"lease_until": dialect.to_db(lease_until),
                                      "worker": worker_id, "chosen": dialect.ids(chosen)})
        event_ids = list({row[6] for row in leased})
        events = {row[0]: row for row in self._rows("events", {"events": dialect.ids(event_ids)})}
        position = {delivery_id: n for n, delivery_id in enumerate(chosen)}
        claimed = []
        for (delivery_id, organization_id, method, destination, attempt_count, created_at,
             event_id) in sorted(leased, key=lambda row: position[row[0]]):
            _, event_type, porting_order_id, payload_json, occurred_at, sequence = (
                events[event_id])
            claimed.append(Claimed(
                delivery_id, organization_id, method, destination, attempt_count + 1,
                dialect.from_db(created_at), event_id, event_type, porting_order_id,
                payload_json, dialect.from_db(occurred_at), sequence))
        return claimed

    def _disabled(self, ids: set[str]) -> set[str]:
        """Those of these destinations that are disabled."""
        if not ids:
            return set()
        return {row[0] for row in self._rows("disabled", {
            "destinations": self._dialect.ids(sorted(ids))})}

    def record(self, worker_id: str, records: Sequence[AttemptRecord]) -> int:
        """Write the attempts and move their deliveries on. A delivery whose lease this worker
        lost (another worker took it over) is left alone. Returns how many were recorded.

        Fast path: one executemany for every delivery; when it moves them all (the usual
        case) the attempts are inserted in one go. Otherwise the batch is redone row by row
        inside a savepoint, to find the deliveries whose lease was lost."""
        if not records:
            return 0
        to_db = self._dialect.to_db
        moves = [{"id": r.claimed.delivery_id, "worker": worker_id,
                  "previous": r.claimed.attempt - 1, "attempt": r.claimed.attempt,
                  "status": r.delivery_status, "error": r.error,
                  "finished": to_db(r.finished_at), "started": to_db(r.started_at),
                  "next": None if r.next_attempt_at is None else to_db(r.next_attempt_at)}
                 for r in records]
        self._execute("SAVEPOINT portin_record")
        if self._many("advance", moves) == len(moves):
            self._execute("RELEASE SAVEPOINT portin_record")
            kept = list(records)
        else:
            self._execute("ROLLBACK TO SAVEPOINT portin_record")
            self._execute("RELEASE SAVEPOINT portin_record")
            kept = [record for record, move in zip(records, moves, strict=True)
                    if self._many("advance", [move]) == 1]
        if kept:
            self._many("insert_attempt", [
                {"id": new_id(), "delivery_id": r.claimed.delivery_id,
                 "attempt": r.claimed.attempt, "status": r.status,
                 "started": to_db(r.started_at), "finished": to_db(r.finished_at),
                 "duration_ms": r.duration_ms, "http": _json_or_null(r.http),
                 "email": _json_or_null(r.email), "error": r.error,
                 "errors": compact_json(r.errors), "worker": worker_id} for r in kept])
            self._move_health(kept)
        return len(kept)

    def _move_health(self, records: Sequence[AttemptRecord]) -> None:
        """Move each destination's health on by its attempts in this batch, and write the
        alerts it calls for, in the batch's transaction. A healthy destination that stays
        healthy is written at most once a minute (for its last_success_at)."""
        named: dict[tuple[str, str, str], list[AttemptRecord]] = {}
        for record in sorted(records, key=lambda r: r.finished_at):
            claimed = record.claimed
            named.setdefault((claimed.organization_id, claimed.method, claimed.destination),
                             []).append(record)
        by_destination = {destination_id(*key): attempts for key, attempts in named.items()}
        dialect = self._dialect
        stored = {row[0]: _health_from_row(row, dialect.from_db) for row in self._rows(
            "health", {"destinations": dialect.ids(sorted(by_destination))})}
        saves: list[dict[str, Any]] = []
        alerts: list[dict[str, Any]] = []
        disabled: list[dict[str, Any]] = []
        for key, attempts in by_destination.items():
            before = stored.get(key)
            if all(r.status == "delivered" for r in attempts):
                moved = health.after_successes(before or health.Health(),
                                               attempts[-1].finished_at)
            else:
                moved = health.after(before or health.Health(), [
                    health.Attempted(r.status == "delivered", r.finished_at, r.error,
                                     tuple(r.errors)) for r in attempts], self._health_rules)
            now = attempts[-1].finished_at
            first = attempts[0].claimed
            if moved.disabled_now(before or health.Health()):
                disabled.append({"organization_id": first.organization_id,
                                 "method": first.method, "destination": first.destination})
            if before is None or _worth_writing(before, moved.health):
                saves.append({"id": key, "organization_id": first.organization_id,
                              "method": first.method, "destination": first.destination,
                              "now": dialect.to_db(now),
                              **_health_to_row(moved.health, dialect.to_db)})
            alerts.extend({"id": new_id(), "organization_id": attempts[0].claimed.organization_id,
                           "destination_id": key, "kind": str(alert),
                           "facts": compact_json(_alert_facts(moved.health)),
                           "now": dialect.to_db(now)} for alert in moved.alerts)
        if saves:
            self._many("save_health", saves)
        if alerts:
            self._many("insert_alert", alerts)
        if disabled:
            self._many("pause_destination", disabled)

    def release_leases(self, worker_id: str, sending: Sequence[str]) -> int:
        """Give up this worker's leases on deliveries it is not sending. After a failed claim
        the worker cannot tell whether the database committed it (a connection cut between the
        commit and its answer): such leases would hold their deliveries until they ran out.
        Returns how many were released."""
        return self._many("release", [{"worker": worker_id,
                                       "sending": self._dialect.ids(list(sending))}])

    def signing_keys(self, organization_id: str, now: datetime) -> list[tuple[str, datetime]]:
        """The seed and valid_from of the organization's key current at `now` and of any key
        announced after it, oldest first."""
        return [(str(seed), self._dialect.from_db(valid_from)) for seed, valid_from in
                self._rows("keys", {"organization_id": organization_id,
                                    "now": self._dialect.to_db(now)})]

    def _execute(self, sql: str) -> None:
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()


def _health_from_row(row: tuple[Any, ...], from_db: Callable[[Any], datetime]
                     ) -> health.Health:
    (_, state, failures, failing_since, last_error, last_failure_at, last_success_at,
     disabled_at, disabled_reason, alerted) = row

    def time(value: Any) -> datetime | None:
        return None if value is None else from_db(value)

    return health.Health(
        state=health.State(state), consecutive_failures=int(failures),
        failing_since=time(failing_since), last_error=last_error,
        last_failure_at=time(last_failure_at), last_success_at=time(last_success_at),
        disabled_at=time(disabled_at),
        disabled_reason=None if disabled_reason is None else health.DisabledReason(
            disabled_reason), alerted=bool(alerted))


def _health_to_row(value: health.Health, to_db: Callable[[datetime], Any]) -> dict[str, Any]:
    def time(moment: datetime | None) -> Any:
        return None if moment is None else to_db(moment)

    return {"state": str(value.state), "consecutive_failures": value.consecutive_failures,
            "failing_since": time(value.failing_since), "last_error": value.last_error,
            "last_failure_at": time(value.last_failure_at),
            "last_success_at": time(value.last_success_at),
            "disabled_at": time(value.disabled_at),
            "disabled_reason": None if value.disabled_reason is None else str(
                value.disabled_reason), "alerted": value.alerted}


# A healthy destination's last_success_at is refreshed at most this often: writing it on
# every batch would add a write per destination to the hottest path.
_SUCCESS_REFRESH_SECONDS = 60


def _worth_writing(before: health.Health, after: health.Health) -> bool:
    if replace(after, last_success_at=before.last_success_at) != before:
        return True
    if after.last_success_at is None:
        return False
    return (before.last_success_at is None or (
        after.last_success_at - before.last_success_at).total_seconds()
        >= _SUCCESS_REFRESH_SECONDS)


def _alert_facts(value: health.Health) -> dict[str, Any]:
    return {"reason": None if value.disabled_reason is None else str(value.disabled_reason),
            "last_error": value.last_error, "failures": value.consecutive_failures,
            "failing_since": None if value.failing_since is None else value.failing_since
            .isoformat()}


def _json_or_null(value: Any) -> str | None:
    return None if value is None else compact_json(value)

