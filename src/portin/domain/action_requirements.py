"""Action requirements: what a port needs done outside portin (Australian identity checks),
which orders need one, and who may move one to which status."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from portin.domain.errors import TransitionRefused
from portin.domain.lifecycle import Actor

RECORD_TYPE = "porting_action_requirement"


class RequirementStatus(enum.StrEnum):
    CREATED = "created"
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


S = RequirementStatus

# Country of a number on the order -> (action_type, requirement_type_id). The id names the
# requirement type across orders, as the public API's requirement_type_id does.
REQUIREMENTS_BY_COUNTRY: dict[str, tuple[str, str]] = {
    "AU": ("au_id_verification", "53970723-fbff-4f46-a975-f62be6c1a585"),
}
ACTION_TYPES = tuple(sorted({action for action, _ in REQUIREMENTS_BY_COUNTRY.values()}))

# (from, to) -> who may make the move. The user initiates (created or failed -> pending);
# the porting desk reports the outcome, cancels, or starts a flow again.
TRANSITIONS: dict[tuple[RequirementStatus, RequirementStatus], frozenset[Actor]] = {
    (S.CREATED, S.PENDING): frozenset({Actor.USER, Actor.OPERATOR}),
    (S.FAILED, S.PENDING): frozenset({Actor.USER, Actor.OPERATOR}),
    (S.PENDING, S.COMPLETED): frozenset({Actor.OPERATOR}),
    (S.PENDING, S.FAILED): frozenset({Actor.OPERATOR}),
    (S.CREATED, S.CANCELLED): frozenset({Actor.OPERATOR}),
    (S.PENDING, S.CANCELLED): frozenset({Actor.OPERATOR}),
    (S.FAILED, S.CANCELLED): frozenset({Actor.OPERATOR}),
}


def requirements_for(countries: Iterable[str | None]) -> list[tuple[str, str]]:
    """The (action_type, requirement_type_id) an order with numbers in these countries needs:
    one of each kind, however many numbers call for it."""
    found = {REQUIREMENTS_BY_COUNTRY[c] for c in countries if c in REQUIREMENTS_BY_COUNTRY}
    return sorted(found)


def check_move(current: RequirementStatus, target: RequirementStatus, actor: Actor) -> None:
    if actor not in TRANSITIONS.get((current, target), frozenset()):
        who = "the porting desk" if actor == Actor.OPERATOR else "you"
        raise TransitionRefused(
            f"An action requirement cannot be moved from '{current}' to '{target}' by {who}.",
            pointer="/status")
