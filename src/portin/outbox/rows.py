"""The outbox's rows as the worker holds them: a claimed delivery, an attempt to record, and
driver rows read by column name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


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


# A driver row read by column name: row["id"] (sqlite3.Row, or psycopg's dict row).
Row = Any
