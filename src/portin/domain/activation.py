"""Activation: which orders may be activated, and what an activation job's status means."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from portin.domain.errors import InvalidRequest, TransitionRefused
from portin.domain.lifecycle import OrderStatus


class JobStatus(enum.StrEnum):
    CREATED = "created"
    IN_PROCESS = "in-process"
    COMPLETED = "completed"
    FAILED = "failed"


# A job in one of these is live: the order has an activation under way, and a second
# activation is refused (409) until the desk completes or fails it.
LIVE_JOB_STATUSES = frozenset({JobStatus.CREATED, JobStatus.IN_PROCESS})
# What the porting desk may set a job to.
DESK_OUTCOMES = (JobStatus.COMPLETED, JobStatus.FAILED)
# An order is activated once its FOC date is confirmed; before that there is nothing to port.
ACTIVATABLE = frozenset({OrderStatus.FOC_DATE_CONFIRMED})

FAST_PORT_COUNTRIES = frozenset({"US", "CA"})
FAST_PORT_TYPES = frozenset({"local", "toll_free"})


# THE FASTPORT RULE (the one place it is decided; the lead reconciles it with the portability
# rules): an order is FastPort-eligible when every number is a US or Canadian number of type
# local or toll_free.
def fast_port_eligible(numbers: Iterable[tuple[str | None, str]]) -> bool:
    """`numbers`: (ISO country, phone_number_type) of each number on the order."""
    listed = list(numbers)
    return bool(listed) and all(country in FAST_PORT_COUNTRIES and kind in FAST_PORT_TYPES
                                for country, kind in listed)


def check_activate(status: OrderStatus, fast_port: bool) -> None:
    """A user's activation: only FastPort orders, only once the FOC date is confirmed."""
    if not fast_port:
        raise InvalidRequest(
            "Only FastPort orders (every number a US or Canadian local or toll-free number)"
            " can be activated on demand.", pointer="/activation_settings/fast_port_eligible")
    if status not in ACTIVATABLE:
        raise TransitionRefused(
            f"A porting order is activated once its FOC date is confirmed; this one is"
            f" '{status}'.", pointer="/status")
