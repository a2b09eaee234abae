"""The port-in order lifecycle: which status may follow which, and who may make the move.

This is the transition table of the contract as data, plus the one rule that depends on time
(no user cancel within 48 hours of a confirmed FOC date). Pure: callers pass `now`.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from portin.domain.errors import TransitionRefused


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_PROCESS = "in-process"
    SUBMITTED = "submitted"
    EXCEPTION = "exception"
    FOC_DATE_CONFIRMED = "foc-date-confirmed"
    PORTED = "ported"
    CANCEL_PENDING = "cancel-pending"
    CANCELLED = "cancelled"


class Actor(enum.StrEnum):
    USER = "user"
    OPERATOR = "operator"


S = OrderStatus

# (from, to) -> who may make the move. Deletion of drafts is not a status; see `can_delete`.
TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], Actor] = {
    (S.DRAFT, S.IN_PROCESS): Actor.USER,
    (S.IN_PROCESS, S.SUBMITTED): Actor.OPERATOR,
    (S.IN_PROCESS, S.EXCEPTION): Actor.OPERATOR,
    (S.SUBMITTED, S.EXCEPTION): Actor.OPERATOR,
    (S.SUBMITTED, S.FOC_DATE_CONFIRMED): Actor.OPERATOR,
    (S.EXCEPTION, S.SUBMITTED): Actor.OPERATOR,
    (S.FOC_DATE_CONFIRMED, S.PORTED): Actor.OPERATOR,
    (S.FOC_DATE_CONFIRMED, S.EXCEPTION): Actor.OPERATOR,
    (S.IN_PROCESS, S.CANCEL_PENDING): Actor.USER,
    (S.SUBMITTED, S.CANCEL_PENDING): Actor.USER,
    (S.EXCEPTION, S.CANCEL_PENDING): Actor.USER,
    (S.FOC_DATE_CONFIRMED, S.CANCEL_PENDING): Actor.USER,
    (S.CANCEL_PENDING, S.CANCELLED): Actor.OPERATOR,
}

TERMINAL = frozenset({S.PORTED, S.CANCELLED})

# Statuses in which the user may edit the order's porting details (fixing what an exception named).
EDITABLE = frozenset({S.DRAFT, S.EXCEPTION})

# Fields a user may change whatever the status is.
ALWAYS_EDITABLE_FIELDS = frozenset({"webhook_url", "customer_reference"})

CANCEL_CUTOFF = timedelta(hours=48)


def allowed_targets(current: OrderStatus, actor: Actor) -> list[OrderStatus]:
    """The statuses `actor` may move an order in `current` to, in table order."""
    return [to for (frm, to), who in TRANSITIONS.items() if frm == current and who == actor]


def check_transition(current: OrderStatus, target: OrderStatus, actor: Actor) -> None:
    """Raise TransitionRefused unless `actor` may move an order from `current` to `target`."""
    who = TRANSITIONS.get((current, target))
    if who is None:
        allowed = ", ".join(allowed_targets(current, actor)) or "none"
        raise TransitionRefused(
            f"A porting order cannot move from '{current}' to '{target}'"
            f" (allowed from '{current}': {allowed}).",
            pointer="/status",
        )
    if who != actor:
        raise TransitionRefused(
            f"Moving a porting order from '{current}' to '{target}' is done by the {who},"
            f" not the {actor}.",
            pointer="/status",
        )


def check_cancel(current: OrderStatus, foc_datetime_actual: datetime | None,
                 now: datetime) -> None:
    """A user cancel: the table's rule plus the 48-hour cut-off before a confirmed FOC date."""
    check_transition(current, S.CANCEL_PENDING, Actor.USER)
    if (current == S.FOC_DATE_CONFIRMED and foc_datetime_actual is not None
            and now >= foc_datetime_actual - CANCEL_CUTOFF):
        raise TransitionRefused(
            "A porting order cannot be cancelled within 48 hours of its confirmed FOC date"
            f" ({foc_datetime_actual.isoformat()}).",
            pointer="/status",
        )


def can_delete(current: OrderStatus) -> bool:
    """Only drafts are deleted; every other order keeps its history."""
    return current == S.DRAFT


def can_edit(current: OrderStatus, field: str) -> bool:
    """Whether a user PATCH may change `field` (a top-level field) of an order in `current`."""
    return current in EDITABLE or field in ALWAYS_EDITABLE_FIELDS


def check_edit(current: OrderStatus, fields: set[str]) -> None:
    """A user PATCH: details only in draft or exception; webhook_url and reference always."""
    locked = sorted(field for field in fields if not can_edit(current, field))
    if locked:
        raise TransitionRefused(
            f"The porting order is '{current}': only webhook_url and customer_reference can be"
            f" changed now, not {', '.join(locked)}.",
            pointer=f"/{locked[0]}",
        )
