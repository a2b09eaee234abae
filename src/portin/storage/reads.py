"""Reads for display, as Core rows rather than ORM objects.

The API renders most of what it reads and changes none of it. Loading such rows as ORM
objects costs several times the query: the ORM's execution path, its identity map and each
object's instance state (bench/api.py measured a one-row read at about 400 µs through the ORM
and 130 µs as a Core row, on SQLite). So the hot reads (an order and what its rendering needs,
an events page) select a table's columns rather than its ORM class, built once where their
shape is fixed, and their rows are read by the same attribute names as the ORM objects of
their table. They still run through the session, so what it flushes before a query (changed
objects, the outbox's waiting events) is flushed before these too. Writes keep loading ORM
objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, Row
from sqlalchemy.orm import Session

from portin.storage.models import (
    PortingEvent,
    PortingOrder,
    PortingOrderRequirement,
    PortingPhoneNumber,
    RequirementType,
)

# What rendering takes: the ORM object (after a write) or a row of its table's columns.
OrderRecord = PortingOrder | Row[Any]
NumberRecord = PortingPhoneNumber | Row[Any]
EventRecord = PortingEvent | Row[Any]
RequirementTypeRecord = RequirementType | Row[Any]
RequirementValueRecord = PortingOrderRequirement | Row[Any]


def rows(session: Session, statement: Executable,
         params: dict[str, Any] | None = None) -> Sequence[Row[Any]]:
    """The statement's rows (a select of columns: rows, not ORM objects)."""
    return session.execute(statement, params or {}).all()
