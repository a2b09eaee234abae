"""Event payloads have exactly the seed's fields, names, nesting and formats."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from portin.domain import events
from portin.domain.errors import InvalidRequest
from portin.domain.events import OrderFacts
from portin.domain.exception_codes import EXCEPTION_TYPES, resolve_details

WHEN = datetime(2021, 1, 19, 19, 52, 13, 874635, tzinfo=UTC)
ORDER = OrderFacts(
    id="3594c6c3-51a7-4306-b715-ca3765f13464", customer_reference="1-alpha-2-bravo-3-charlie",
    support_key="sr_98f022", webhook_url="https://example.com/porting_webhooks",
    status_value="exception",
    status_details=[{"code": "LOA_ILLEGIBLE", "description": "The LOA is illegible"}],
    updated_at=WHEN, created_at=WHEN, enable_messaging=True, messaging_capable=True,
    messaging_port_status="exception",
)
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_status_changed_matches_seed() -> None:
    payload = events.status_changed(ORDER)
    assert payload == {
        "customer_reference": "1-alpha-2-bravo-3-charlie",
        "id": "3594c6c3-51a7-4306-b715-ca3765f13464",
        "status": {"details": [{"code": "LOA_ILLEGIBLE",
                                "description": "The LOA is illegible"}],
                   "value": "exception"},
        "support_key": "sr_98f022",
        "updated_at": "2021-01-19T19:52:13.874635Z",
        "webhook_url": "https://example.com/porting_webhooks",
    }


def test_new_comment_matches_seed() -> None:
    payload = events.new_comment(ORDER, "ca4b9cf6", "Testing Webhooks 123", WHEN, None, "admin")
    assert payload == {
        "comment": {"body": "Testing Webhooks 123", "id": "ca4b9cf6",
                    "inserted_at": "2021-01-19T19:52:13Z", "user_id": None,
                    "user_type": "admin"},
        "porting_order_id": ORDER.id,
        "support_key": "sr_98f022",
    }


def test_split_matches_seed_plus_numbers() -> None:
    assert events.split("a", "b", "n1") == {"from": {"id": "a"}, "to": {"id": "b"},
                                            "porting_phone_numbers": [{"id": "n1"}]}


def test_messaging_changed_matches_seed() -> None:
    payload = events.messaging_changed(ORDER)
    assert payload == {
        "id": ORDER.id, "customer_reference": ORDER.customer_reference,
        "messaging": {"messaging_capable": True, "enable_messaging": True,
                      "messaging_port_status": "exception", "messaging_port_completed": False},
        "support_key": "sr_98f022",
    }


def test_deleted_matches_seed_plus_extras() -> None:
    payload = events.deleted(ORDER, WHEN)
    assert set(payload) == {"id", "customer_reference", "deleted_at", "created_at",
                            "updated_at", "record_type"}
    assert payload["record_type"] == "porting_order"
    assert ISO_Z.match(payload["deleted_at"])


def test_catalogue_has_the_21_public_codes_and_loa_illegible() -> None:
    assert len(EXCEPTION_TYPES) == 22
    assert "LOA_ILLEGIBLE" in EXCEPTION_TYPES
    assert "SV_UNKNOWN_FAILURE" in EXCEPTION_TYPES


def test_details_take_catalogue_description_or_keep_operators_words() -> None:
    resolved = resolve_details([{"code": "LOA_ILLEGIBLE", "description": None},
                                {"code": "OTHER", "description": "Call us"}])
    assert resolved == [{"code": "LOA_ILLEGIBLE", "description": "The LOA is illegible"},
                        {"code": "OTHER", "description": "Call us"}]


def test_unknown_code_is_refused_with_pointer() -> None:
    with pytest.raises(InvalidRequest) as refused:
        resolve_details([{"code": "LOA_ILLEGIBLE"}, {"code": "NOPE"}])
    assert refused.value.pointer == "/details/1/code"
