"""The webhook body splices the stored payload in; it must be the contract's JSON exactly."""

from __future__ import annotations

import json

from portin.delivery.webhook import envelope
from portin.storage.db import compact_json


def test_the_body_is_the_compact_json_of_the_contracts_envelope() -> None:
    payload = {"customer_reference": "Ünïcode \"quoted\"", "id": "o-1",
               "status": {"details": [], "value": "submitted"}, "webhook_url": None}
    body = envelope("e-1", "porting_order.status_changed", "2026-11-25T08:00:00.000000Z",
                    compact_json(payload), 2, "https://example.com/hook?a=\"b\"", 7)
    expected = {"data": {"event_type": "porting_order.status_changed", "id": "e-1",
                         "occurred_at": "2026-11-25T08:00:00.000000Z", "payload": payload,
                         "record_type": "event"},
                "meta": {"attempt": 2, "delivered_to": "https://example.com/hook?a=\"b\"",
                         "sequence": 7}}
    assert json.loads(body) == expected
    assert body == json.dumps(expected, separators=(",", ":"), ensure_ascii=False).encode()


def test_every_string_is_escaped_as_json_dumps_escapes_it() -> None:
    odd = "tab\t newline\n quote\" backslash\\ é \u2028 \x01"
    body = envelope(odd, odd, odd, "{}", 1, odd, 1)
    expected = {"data": {"event_type": odd, "id": odd, "occurred_at": odd, "payload": {},
                         "record_type": "event"},
                "meta": {"attempt": 1, "delivered_to": odd, "sequence": 1}}
    assert body == json.dumps(expected, separators=(",", ":"), ensure_ascii=False).encode()
