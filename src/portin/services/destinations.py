"""Endpoint health as a person changes it: disable a destination (its deliveries are kept,
paused) and enable it again (they are sent, oldest first). The worker moves health by itself
as attempts succeed and fail (see domain/endpoint_health.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain import endpoint_health as health
from portin.domain.errors import NotFound
from portin.outbox.wake import wake_at_commit
from portin.storage import destinations as store
from portin.storage.models import DeliveryDestination


@dataclass(frozen=True)
class Changed:
    destination: DeliveryDestination
    # Deliveries paused (disable) or put back in the queue (enable) by the change.
    deliveries: int


def require_destination(session: Session, organization_id: str, destination_id: str,
                        for_update: bool = False) -> DeliveryDestination:
    found = store.get_destination(session, destination_id, organization_id, for_update)
    if found is None:
        raise NotFound(f"Delivery destination {destination_id} was not found.")
    return found


def disable(session: Session, organization_id: str, destination_id: str, now: datetime
            ) -> Changed:
    """Disable by hand. Disabling a disabled destination changes nothing."""
    row = require_destination(session, organization_id, destination_id, for_update=True)
    if row.state == health.State.DISABLED:
        return Changed(row, 0)
    _store(row, health.disabled_by_user(_health(row), now), now)
    return Changed(row, store.pause_pending(session, row))


def enable(session: Session, organization_id: str, destination_id: str, now: datetime
           ) -> Changed:
    """Enable: healthy again, and its paused deliveries go back in the queue, due from now on,
    spread out oldest first (`store.resume_paused`). Enabling a destination that is not
    disabled changes nothing."""
    row = require_destination(session, organization_id, destination_id, for_update=True)
    if row.state != health.State.DISABLED:
        return Changed(row, 0)
    _store(row, health.enabled(_health(row)), now)
    resumed = store.resume_paused(session, row, now)
    if resumed:
        wake_at_commit(session)
    return Changed(row, resumed)


def _health(row: DeliveryDestination) -> health.Health:
    return health.Health(
        state=health.State(row.state), consecutive_failures=row.consecutive_failures,
        failing_since=row.failing_since, last_error=row.last_error,
        last_failure_at=row.last_failure_at, last_success_at=row.last_success_at,
        disabled_at=row.disabled_at,
        disabled_reason=None if row.disabled_reason is None else health.DisabledReason(
            row.disabled_reason), alerted=row.alerted)


def _store(row: DeliveryDestination, value: health.Health, now: datetime) -> None:
    row.state = str(value.state)
    row.consecutive_failures = value.consecutive_failures
    row.failing_since = value.failing_since
    row.last_error = value.last_error
    row.last_failure_at = value.last_failure_at
    row.last_success_at = value.last_success_at
    row.disabled_at = value.disabled_at
    row.disabled_reason = None if value.disabled_reason is None else str(value.disabled_reason)
    row.alerted = value.alerted
    row.updated_at = now
