"""The worker's side of the outbox: claiming due deliveries and recording attempts.

This is the hottest path in portin: every delivery is claimed, leased and recorded here. So
its statements (`queries`) are plain SQL run on the driver's own connection (sqlite3 or
psycopg), not SQLAlchemy statements: on this path SQLAlchemy's per-statement and per-value
work cost about as much as the database's own (`bench/delivery.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from portin.domain import endpoint_health
from portin.domain.endpoint_health import destination_id
from portin.domain.ids import new_id
from portin.outbox import health
from portin.outbox.rows import AttemptRecord, Claimed, Row
from portin.outbox.statements import Statements
from portin.storage.db import compact_json

DEFAULT_HEALTH_RULES = endpoint_health.Rules(disable_after_seconds=5 * 86_400,
                                             alert_after_failures=5)


def fresh_share(limit: int) -> int:
    """How many of a claim of `limit` may go to new deliveries first: a quarter, and at least
    one. The rest goes to the oldest due, so a backlog still drains in order."""
    return max(1, limit // 4)


class _Choice:
    """What one claim has chosen so far, and what it may still take."""

    def __init__(self, limit: int, per_destination: int, in_flight: Mapping[str, int]) -> None:
        self.limit, self.per_destination = limit, per_destination
        self.chosen: list[str] = []
        self.paused: list[str] = []
        self.due: dict[str, Any] = {}  # each considered row's next_attempt_at
        # Per destination: in flight in the worker, and chosen here.
        self.taken: dict[str, int] = dict(in_flight)

    @property
    def full(self) -> bool:
        return len(self.chosen) >= self.limit

    def consider(self, row: Row, paused: bool) -> None:
        delivery_id, destination = row["id"], row["destination"]
        if delivery_id in self.due:  # in both shares, or in the window and the second look
            return
        self.due[delivery_id] = row["next_attempt_at"]
        if paused:
            self.paused.append(delivery_id)
        elif self.taken.get(destination, 0) < self.per_destination:
            self.taken[destination] = self.taken.get(destination, 0) + 1
            self.chosen.append(delivery_id)

    def closed(self) -> list[str]:
        """The destinations this claim can take no more from."""
        return sorted(destination for destination, n in self.taken.items()
                      if n >= self.per_destination)


class DeliveryQueue:
    """Claims and records on one driver connection, in the caller's transaction."""

    def __init__(self, connection: Any, dialect_name: str,
                 health_rules: endpoint_health.Rules = DEFAULT_HEALTH_RULES) -> None:
        self._statements = Statements(connection, dialect_name)
        self._spelling = self._statements.spelling
        self._health_rules = health_rules

    def any_due(self, now: datetime) -> bool:
        """A cheap read (no write lock needed): is any delivery due and unleased?"""
        return bool(self._statements.rows("any_due", {"now": self._spelling.to_db(now)}))

    def claim(self, worker_id: str, now: datetime, lease_until: datetime, limit: int,
              per_destination: int, in_flight: Mapping[str, int]) -> list[Claimed]:
        """Lease up to `limit` due deliveries, oldest due first, so that no destination has
        more than `per_destination` in flight (`in_flight`: what the worker is sending to each
        now). On PostgreSQL the candidates are locked with SKIP LOCKED, so concurrent workers
        take disjoint sets; on SQLite the write transaction itself is exclusive. A candidate
        whose destination is disabled is paused instead. Up to `fresh_share(limit)` of the
        claim go to new deliveries (first attempts, due since they were made), so that new
        events keep flowing while a backlog of retries drains."""
        if limit <= 0:
            return []
        spelling, statements = self._spelling, self._statements
        if spelling.before_claim is not None:
            statements.execute(spelling.before_claim)
        window, share = limit * 4, fresh_share(limit)
        candidates = statements.rows("candidates", {
            "now": spelling.to_db(now), "fresh": share * 4, "candidates": window})
        if spelling.after_window is not None:
            statements.execute(spelling.after_window)
        disabled = self._disabled_among(candidates)
        choice = _Choice(limit, per_destination, in_flight)
        # The new deliveries' share first: a window four times its size, so that a destination
        # that can take no more rarely uses it all up; then the oldest due.
        fresh = sorted((row for row in candidates if row["fresh"]), key=_due_order)
        oldest = sorted((row for row in candidates if not row["fresh"]), key=_due_order)
        self._choose(choice, fresh, disabled, at_most=share)
        self._choose(choice, oldest, disabled)
        if not choice.full and len(oldest) >= window:
            # The window was taken up by destinations that can take no more, and there may be
            # due deliveries to others beyond it: look past it, destination by destination.
            beyond = self._oldest_per_destination(now, choice.closed(), per_destination,
                                                  window)
            self._choose(choice, beyond, self._disabled_among(beyond))
        if choice.paused:
            statements.many("pause", [{"paused": spelling.id_list(choice.paused)}])
        if not choice.chosen:
            return []
        # Sent oldest due first.
        position = {delivery_id: n for n, delivery_id in enumerate(sorted(
            choice.chosen, key=lambda delivery_id: (choice.due[delivery_id], delivery_id)))}
        return [Claimed(
            delivery_id=row["id"], organization_id=row["organization_id"],
            method=row["method"], destination=row["destination"],
            attempt=row["attempt_count"] + 1, created_at=spelling.from_db(row["created_at"]),
            event_id=row["event_id"], event_type=row["event_type"],
            porting_order_id=row["porting_order_id"], payload_json=row["payload"],
            occurred_at=spelling.from_db(row["occurred_at"]), sequence=row["sequence"])
            for row in sorted(self._lease(worker_id, lease_until, choice.chosen),
                              key=lambda row: position[row["id"]])]

    @staticmethod
    def _choose(choice: _Choice, candidates: list[Row], disabled: set[tuple[str, str, str]],
                at_most: int | None = None) -> None:
        """Take what the choice still has room for from these candidates, in their order, at
        most `at_most` of them; pass over those of disabled destinations as paused."""
        taken_before = len(choice.chosen)
        for row in candidates:
            if choice.full or (at_most is not None
                               and len(choice.chosen) - taken_before >= at_most):
                break
            choice.consider(row, paused=bool(disabled) and (
                row["organization_id"], row["method"], row["destination"]) in disabled)

    def _disabled_among(self, candidates: list[Row]) -> set[tuple[str, str, str]]:
        """The (organization, method, destination) of these candidates that are disabled."""
        # A claim's candidates go to few destinations: their ids are derived once each.
        ids = {destination_id(*named): named for named in {
            (row["organization_id"], row["method"], row["destination"])
            for row in candidates}}
        return {ids[found] for found in self._disabled(set(ids))}

    def _oldest_per_destination(self, now: datetime, skip: list[str], per_destination: int,
                                window: int) -> list[Row]:
        """The oldest due of each pending destination not in `skip`, oldest first."""
        spelling, statements = self._spelling, self._statements
        values = {"now": spelling.to_db(now), "skip": spelling.id_list(skip),
                  "per_destination": per_destination, "candidates": window}
        if spelling.lateral_joins:
            found = statements.rows("oldest_per_destination", values)
        else:  # one statement per destination: on SQLite a statement costs no round trip
            found = [row for destination in statements.rows("pending_destinations", values)
                     for row in statements.rows("oldest_of_destination", {
                         **values, "destination": destination["destination"]})]
        found.sort(key=_due_order)  # PostgreSQL's locking SELECT has no set order
        return found[:window]

    def _lease(self, worker_id: str, lease_until: datetime, chosen: list[str]) -> list[Row]:
        """Lease the chosen deliveries; each leased one with its event's columns."""
        spelling, statements = self._spelling, self._statements
        lease = {"lease_until": spelling.to_db(lease_until), "worker": worker_id,
                 "chosen": spelling.id_list(chosen)}
        if spelling.writing_ctes:
            return statements.rows("lease_reading_events", lease)
        leased = statements.rows("lease", lease)
        events = {row["id"]: row for row in statements.rows("events", {
            "events": spelling.id_list(list({row["event_id"] for row in leased}))})}
        return [{**dict(row), "event_type": event["event_type"],
                 "porting_order_id": event["porting_order_id"], "payload": event["payload"],
                 "occurred_at": event["created_at"], "sequence": event["sequence"]}
                for row in leased for event in (events[row["event_id"]],)]

    def _disabled(self, ids: set[str]) -> set[str]:
        """Those of these destinations that are disabled."""
        if not ids:
            return set()
        return {row["id"] for row in self._statements.rows("disabled", {
            "destinations": self._spelling.id_list(sorted(ids))})}

    def record(self, worker_id: str, records: Sequence[AttemptRecord]) -> int:
        """Write the attempts, move their deliveries and destinations on. A delivery whose
        lease this worker lost (another worker took it over) is left alone. Returns how many
        were recorded.

        Fast path: one executemany for every delivery; when it moves them all (the usual
        case) the attempts are inserted in one go. Otherwise the batch is redone row by row
        inside a savepoint, to find the deliveries whose lease was lost. (One statement for
        the whole batch, a CTE that updates and inserts from json_to_recordset, cost the
        server more per delivery: bench/results-delivery-postgresql.txt, 2026-12-02.)"""
        if not records:
            return 0
        kept = self._record_row_by_row(worker_id, records)
        if kept:
            health.move(self._statements, kept, self._health_rules)
        return len(kept)

    def _record_row_by_row(self, worker_id: str, records: Sequence[AttemptRecord]
                           ) -> list[AttemptRecord]:
        to_db, statements = self._spelling.to_db, self._statements
        moves = [{"id": r.claimed.delivery_id, "worker": worker_id,
                  "previous": r.claimed.attempt - 1, "attempt": r.claimed.attempt,
                  "status": r.delivery_status, "error": r.error,
                  "finished": to_db(r.finished_at), "started": to_db(r.started_at),
                  "next": None if r.next_attempt_at is None else to_db(r.next_attempt_at)}
                 for r in records]
        statements.execute("SAVEPOINT portin_record")
        if statements.many("advance", moves) == len(moves):
            statements.execute("RELEASE SAVEPOINT portin_record")
            kept = list(records)
        else:
            statements.execute("ROLLBACK TO SAVEPOINT portin_record")
            statements.execute("RELEASE SAVEPOINT portin_record")
            kept = [record for record, move in zip(records, moves, strict=True)
                    if statements.many("advance", [move]) == 1]
        if kept:
            statements.many("insert_attempt", [
                {"id": new_id(), "delivery_id": r.claimed.delivery_id,
                 "attempt": r.claimed.attempt, "status": r.status,
                 "started": to_db(r.started_at), "finished": to_db(r.finished_at),
                 "duration_ms": r.duration_ms, "http": _json_or_null(r.http),
                 "email": _json_or_null(r.email), "error": r.error,
                 "errors": compact_json(r.errors), "worker": worker_id} for r in kept])
        return kept

    def release_leases(self, worker_id: str, sending: Sequence[str]) -> int:
        """Give up this worker's leases on deliveries it is not sending. After a failed claim
        the worker cannot tell whether the database committed it (a connection cut between the
        commit and its answer): such leases would hold their deliveries until they ran out.
        Returns how many were released."""
        return self._statements.many("release", [
            {"worker": worker_id, "sending": self._spelling.id_list(list(sending))}])

    def signing_keys(self, organization_id: str, now: datetime) -> list[tuple[str, datetime]]:
        """The seed and valid_from of the organization's key current at `now` and of any key
        announced after it, oldest first."""
        return [(str(row["seed"]), self._spelling.from_db(row["valid_from"]))
                for row in self._statements.rows("signing_keys", {
                    "organization_id": organization_id, "now": self._spelling.to_db(now)})]


def _due_order(row: Row) -> tuple[Any, str]:
    """Oldest due first; a tie by id, as the SQL breaks none."""
    return row["next_attempt_at"], row["id"]


def _json_or_null(value: Any) -> str | None:
    return None if value is None else compact_json(value)
