"""The read-only notification catalogue: which events exist and the conditions to subscribe to.

portin has one condition, "Port In Notifications", covering every porting_order.* event, as
the seed's portal step "select Port In Notifications" describes. Ids are fixed so that clients
can keep them in configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

PORT_IN_EVENT_ID = "5b5dc9d0-9a0f-4e6b-9a51-9b0d1b0b7a01"
PORT_IN_CONDITION_ID = "70c7c7a6-4fb3-4d5e-8a1e-3a6f0c2b5d02"
CATALOGUE_SINCE = datetime(2026, 1, 1, tzinfo=UTC)

CHANNEL_TYPES_SUPPORTED = ("email", "webhook")
CHANNEL_TYPES_KNOWN = ("email", "webhook", "sms", "voice")


@dataclass(frozen=True)
class NotificationEvent:
    id: str
    name: str
    notification_category: str
    enabled: bool = True


@dataclass(frozen=True)
class EventCondition:
    id: str
    name: str
    description: str
    notification_event_id: str
    # Every porting_order.* event type this condition covers.
    event_type_prefix: str
    associated_record_type: str = "account"
    asynchronous: bool = False
    allow_multiple_channels: bool = True
    supported_channels: tuple[str, ...] = CHANNEL_TYPES_SUPPORTED
    enabled: bool = True


NOTIFICATION_EVENTS = (
    NotificationEvent(PORT_IN_EVENT_ID, "Port In", "porting"),
)

EVENT_CONDITIONS = (
    EventCondition(
        id=PORT_IN_CONDITION_ID,
        name="Port In Notifications",
        description="Every change to your port-in orders: status changes (with exception"
                    " reasons), new comments, split orders, messaging activation and deleted"
                    " drafts.",
        notification_event_id=PORT_IN_EVENT_ID,
        event_type_prefix="porting_order.",
    ),
)


def condition(condition_id: str) -> EventCondition | None:
    return next((c for c in EVENT_CONDITIONS if c.id == condition_id), None)


def conditions_covering(event_type: str) -> list[str]:
    return [c.id for c in EVENT_CONDITIONS if event_type.startswith(c.event_type_prefix)]
