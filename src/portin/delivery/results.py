"""What one send produced, whichever the method: the record of one attempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portin.domain.retry import Outcome

BODY_LIMIT = 10 * 1024
HEADERS_LIMIT = 10 * 1024


@dataclass
class SendResult:
    outcome: Outcome
    started_at: datetime
    finished_at: datetime
    http: dict[str, Any] | None = None
    email: dict[str, Any] | None = None
    error: str | None = None
    errors: list[int] = field(default_factory=list)
    retry_after: float | None = None

    @property
    def duration_ms(self) -> int:
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


def capped_headers(headers: list[tuple[str, str]]) -> list[list[str]]:
    """Headers as [[name, value], ...], cut off once they pass 10 kB in all."""
    kept: list[list[str]] = []
    size = 0
    for name, value in headers:
        size += len(name) + len(value)
        if size > HEADERS_LIMIT:
            break
        kept.append([name, value])
    return kept
