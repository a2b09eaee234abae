"""Porting reports: the kinds, their statuses, and the CSV export of porting orders (its
columns, and cells a spreadsheet cannot mistake for formulas)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final


class ReportType(enum.StrEnum):
    EXPORT_PORTING_ORDERS_CSV = "export_porting_orders_csv"


class ReportStatus(enum.StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"


@dataclass(frozen=True)
class ExportFilters:
    """Which of an organization's orders an export holds (every bound optional, exclusive)."""

    created_at_gt: datetime | None = None
    created_at_lt: datetime | None = None
    customer_reference_in: tuple[str, ...] | None = None
    status_in: tuple[str, ...] | None = None


# The export's columns, in order. Lists inside a cell (numbers, exception codes) are joined
# with ";"; times are ISO 8601 UTC with Z; an empty cell is a null.
EXPORT_COLUMNS: Final = (
    "id", "support_key", "parent_support_key", "status", "status_details",
    "customer_reference", "customer_group_reference", "phone_numbers_count", "phone_numbers",
    "phone_number_type", "port_type", "entity_name", "foc_datetime_requested",
    "foc_datetime_actual", "fast_port_eligible", "messaging_port_status", "created_at",
    "updated_at",
)

# What a spreadsheet takes for the start of a formula (OWASP's CSV injection list).
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The cell as text no spreadsheet runs: one starting like a formula gets a leading
    apostrophe (a phone number "+15551234567" is written "'+15551234567")."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def safe_row(values: Iterable[str]) -> list[str]:
    return [safe_cell(v) for v in values]


def in_pieces(lines: Iterable[str], size: int) -> Iterator[bytes]:
    """UTF-8 bytes of the lines, in pieces of about `size` bytes."""
    buffer: list[bytes] = []
    held = 0
    for line in lines:
        data = line.encode()
        buffer.append(data)
        held += len(data)
        if held >= size:
            yield b"".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield b"".join(buffer)
