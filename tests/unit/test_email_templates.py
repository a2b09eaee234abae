"""Every event type portin writes has its email templates (subject, text, HTML), and they
render the payload `portin.domain.events` builds for it."""

from __future__ import annotations

from typing import Any

import pytest

from portin.delivery.email import render
from portin.domain import events
from portin.domain.events import WITHOUT_NOTIFICATION, EventType, OrderFacts
from portin.domain.timefmt import utcnow

# In the public API's enum, never written by portin (see EventType).

NOW = utcnow()
ORDER = OrderFacts(id="0190aaaa-0000-7000-8000-000000000001", customer_reference="ref-1",
                   support_key="sr_1", webhook_url=None, status_value="exception",
                   status_details=[{"code": "LOA_ILLEGIBLE", "description": "illegible"}],
                   updated_at=NOW, created_at=NOW, enable_messaging=True,
                   messaging_capable=True, messaging_port_status="pending")


def payload_of(event_type: EventType) -> dict[str, Any]:
    builders = {
        EventType.STATUS_CHANGED: lambda: events.status_changed(ORDER),
        EventType.NEW_COMMENT: lambda: events.new_comment(ORDER, "c1", "hello", NOW, None,
                                                          "admin"),
        EventType.SPLIT: lambda: events.split(ORDER.id, "0190aaaa-0000-7000-8000-000000000002",
                                              "0190aaaa-0000-7000-8000-000000000003"),
        EventType.MESSAGING_CHANGED: lambda: events.messaging_changed(ORDER),
        EventType.DELETED: lambda: events.deleted(ORDER, NOW),
    }
    assert event_type in builders, f"{event_type} is sent: give it a payload here"
    return builders[event_type]()


@pytest.mark.parametrize("event_type", sorted(set(EventType) - WITHOUT_NOTIFICATION))
def test_every_notified_event_type_renders_its_email(event_type: EventType) -> None:
    email = render({"event_type": str(event_type), "payload": payload_of(event_type),
                    "event": {"id": "e1", "occurred_at": "2026-01-01T00:00:00Z"},
                    "order": {"id": ORDER.id, "customer_reference": "ref-1",
                              "support_key": "sr_1"},
                    "status_words": "on hold", "split_numbers": ["+13032220001"],
                    "portal_url": f"http://portal.test/orders/{ORDER.id}"})
    assert email.subject and email.text.strip() and "<" in email.html
