"""Moving each destination's health on by a batch of recorded attempts, with the alerts it
calls for, in the batch's transaction (the rules are in domain/endpoint_health.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from portin.domain import endpoint_health as health
from portin.domain.endpoint_health import destination_id
from portin.domain.ids import new_id
from portin.outbox.rows import AttemptRecord, Row
from portin.outbox.statements import Statements
from portin.storage.db import compact_json

# A healthy destination's last_success_at is refreshed at most this often: writing it on
# every batch would add a write per destination to the hottest path.
SUCCESS_REFRESH_SECONDS = 60


def move(statements: Statements, records: Sequence[AttemptRecord], rules: health.Rules
         ) -> None:
    """One locked read of the batch's destinations; an upsert only of those that changed.

    Where rows are locked (PostgreSQL), they are read without a lock first: a batch that
    changes nothing (successes to healthy destinations, the usual case) then takes no lock,
    and two workers sending to one destination do not wait on each other at every claim.
    Writing nothing is then as if this batch came before any concurrent one."""
    named: dict[tuple[str, str, str], list[AttemptRecord]] = {}
    for record in sorted(records, key=lambda r: r.finished_at):
        claimed = record.claimed
        named.setdefault((claimed.organization_id, claimed.method, claimed.destination),
                         []).append(record)
    by_destination = {destination_id(*key): attempts for key, attempts in named.items()}
    spelling = statements.spelling
    destinations = {"destinations": spelling.id_list(sorted(by_destination))}
    if spelling.for_update and not any(_moves(
            statements, by_destination, statements.rows("peek_health", destinations), rules)):
        return
    saves, alerts, disabled = _moves(statements, by_destination,
                                     statements.rows("health", destinations), rules)
    if saves:
        statements.many("save_health", saves)
    if alerts:
        statements.many("insert_alert", alerts)
    if disabled:
        statements.many("pause_destination", disabled)


_Writes = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


def _moves(statements: Statements, by_destination: dict[str, list[AttemptRecord]],
           rows: list[Row], rules: health.Rules) -> _Writes:
    """What the attempts change, from these stored rows: health rows to save, alerts to
    insert, destinations whose waiting deliveries to pause."""
    spelling = statements.spelling
    stored = {row["id"]: _health_from_row(row, spelling.from_db) for row in rows}
    saves: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    disabled: list[dict[str, Any]] = []
    for key, attempts in by_destination.items():
        before = stored.get(key)
        if all(r.status == "delivered" for r in attempts):
            moved = health.after_successes(before or health.Health(), attempts[-1].finished_at)
        else:
            moved = health.after(before or health.Health(), [
                health.Attempted(r.status == "delivered", r.finished_at, r.error,
                                 tuple(r.errors)) for r in attempts], rules)
        now = spelling.to_db(attempts[-1].finished_at)
        first = attempts[0].claimed
        where = {"organization_id": first.organization_id, "method": first.method,
                 "destination": first.destination}
        if moved.disabled_now(before or health.Health()):
            disabled.append(where)
        if before is None or _worth_writing(before, moved.health):
            saves.append({"id": key, **where, "now": now,
                          **_health_to_row(moved.health, spelling.to_db)})
        alerts.extend({"id": new_id(), "organization_id": first.organization_id,
                       "destination_id": key, "kind": str(alert),
                       "facts": compact_json(_alert_facts(moved.health)), "now": now}
                      for alert in moved.alerts)
    return saves, alerts, disabled


def _health_from_row(row: Row, from_db: Callable[[Any], datetime]) -> health.Health:
    def time(column: str) -> datetime | None:
        value = row[column]
        return None if value is None else from_db(value)

    reason = row["disabled_reason"]
    return health.Health(
        state=health.State(row["state"]), consecutive_failures=int(row["consecutive_failures"]),
        failing_since=time("failing_since"), last_error=row["last_error"],
        last_failure_at=time("last_failure_at"), last_success_at=time("last_success_at"),
        disabled_at=time("disabled_at"),
        disabled_reason=None if reason is None else health.DisabledReason(reason),
        alerted=bool(row["alerted"]))


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


def _worth_writing(before: health.Health, after: health.Health) -> bool:
    if replace(after, last_success_at=before.last_success_at) != before:
        return True
    if after.last_success_at is None:
        return False
    return (before.last_success_at is None or (
        after.last_success_at - before.last_success_at).total_seconds()
        >= SUCCESS_REFRESH_SECONDS)


def _alert_facts(value: health.Health) -> dict[str, Any]:
    return {"reason": None if value.disabled_reason is None else str(value.disabled_reason),
            "last_error": value.last_error, "failures": value.consecutive_failures,
            "failing_since": None if value.failing_since is None else value.failing_since
            .isoformat()}
