"""Recover: send every failed delivery of a time range again, as new deliveries.

A recovered delivery is marked with the id of the one that replaces it, so a second recover
over the same range sends nothing twice. The new deliveries go where the failed ones went
as that is now: a channel's to the channel's current destination (a channel since deleted,
or no longer subscribed, is skipped: nothing is sent where nobody asks for it any more); the
order's webhook_url ones to the URL stored on the failed delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from portin.domain import notification_catalog as catalog
from portin.domain.endpoint_health import resume_offset_seconds
from portin.domain.errors import InvalidRequest
from portin.outbox import pending
from portin.outbox.fan_out import Target, delivery_row
from portin.services.notifications import require_channel
from portin.storage import notifications as subscriptions
from portin.storage import recovery as store
from portin.storage.recovery import FailedScope

MAX_RANGE = timedelta(days=31)
# One call's share: the write transaction (and SQLite's lock) stays short; call again while
# `remaining` is above zero.
MAX_PER_CALL = 1000


@dataclass(frozen=True)
class Recovery:
    recovered: int  # failed deliveries sent again
    queued: int  # new deliveries (two failed ones now going to one destination make one)
    remaining: int  # failed deliveries of the scope left for another call


def check_range(since: datetime, until: datetime) -> None:
    if until < since:
        raise InvalidRequest("until must not be before since.", pointer="/until")
    if until - since > MAX_RANGE:
        raise InvalidRequest("A recover covers at most 31 days; split the range.",
                             pointer="/until")


def recover(session: Session, scope: FailedScope, now: datetime,
            limit: int = MAX_PER_CALL) -> Recovery:
    check_range(scope.since, scope.until)
    if scope.notification_channel_id is not None:
        require_channel(session, scope.organization_id, scope.notification_channel_id,
                        pointer="/notification_channel_id")
    channels = {c.channel_id: c for c in subscriptions.subscribed_channels(
        session, scope.organization_id, [c.id for c in catalog.EVENT_CONDITIONS])}
    failed = store.failed_deliveries(session, scope, channels, limit)
    new: dict[tuple[str, str, str], str] = {}
    rows: list[dict[str, Any]] = []
    recovered_by = []
    for delivery in failed:
        if delivery.notification_channel_id is not None:
            channel = channels[delivery.notification_channel_id]
            target = Target(channel.channel_type_id, channel.destination, channel.channel_id,
                            channel.ordered)
        else:
            target = Target(delivery.method, delivery.destination, None)
        key = (delivery.event_id, target.method, target.destination)
        if key not in new:
            place = (delivery.porting_order_id, delivery.event_seq) if target.ordered else None
            # Due one after another, like the deliveries of an enabled destination: a
            # stream for the workers and the receiver, not a wall in one instant.
            due = now + timedelta(seconds=resume_offset_seconds(len(rows)))
            row = delivery_row(scope.organization_id, delivery.event_id, delivery.event_type,
                               target, now, True, place, due)
            rows.append(row)
            new[key] = row["id"]
        recovered_by.append((delivery.id, new[key]))
    if rows:
        pending.add_deliveries(session, rows)
        store.mark_recovered(session, recovered_by)
    return Recovery(len(recovered_by), len(rows),
                    store.count_failed(session, scope, channels))
