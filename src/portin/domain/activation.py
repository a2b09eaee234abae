"""Activation: which orders may be activated, and what an activation job's status means."""

from __future__ import annotations

import enum

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


def check_activate(status: OrderStatus, fast_port: bool) -> None:
    """A user's activation: only FastPort orders, only once the FOC date is confirmed."""
    if not fast_port:
        raise InvalidRequest(
            "Only FastPort orders (every number FastPort-portable under the portability rules,"
            " see POST /v2/portability_checks) can be activated on demand.",
            pointer="/activation_settings/fast_port_eligible")
    if status not in ACTIVATABLE:
        raise TransitionRefused(
            f"A porting order is activated once its FOC date is confirmed; this one is"
            f" '{status}'.", pointer="/status")
