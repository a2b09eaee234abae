"""What an order's requirements are worth: each one's status, when they are met, what a
textual value must look like. Pure: the catalogue and the values come from the caller.

A requirement is met once it has a value the desk has not rejected: a value waiting for
review counts, because the desk reviews after the order is submitted (confirm may need the
requirements met, and the user cannot make the desk hurry). Approval is shown per
requirement (`approved`) and per number (`approved` once all of its requirements are).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from portin.domain.errors import InvalidRequest

FIELD_TYPES = ("document", "textual")
REVIEW_OUTCOMES = ("approved", "rejected")

# What acceptance_criteria may hold (the public API's names) and which of them portin checks
# on a textual value; the rest guide the desk's review.
CRITERIA_KEYS = ("acceptable_characters", "acceptable_values", "locality_limit", "max_length",
                 "min_length", "time_limit")


class RequirementStatus(enum.StrEnum):
    PENDING = "requirement-info-pending"  # no value yet
    UNDER_REVIEW = "requirement-info-under-review"  # a value, not reviewed yet
    EXCEPTION = "requirement-info-exception"  # the desk rejected the value
    APPROVED = "approved"  # the desk approved the value


MET = frozenset({RequirementStatus.UNDER_REVIEW, RequirementStatus.APPROVED})


def status_of(field_value: str | None, review_status: str | None) -> RequirementStatus:
    if field_value is None:
        return RequirementStatus.PENDING
    if review_status == "approved":
        return RequirementStatus.APPROVED
    if review_status == "rejected":
        return RequirementStatus.EXCEPTION
    return RequirementStatus.UNDER_REVIEW


def all_met(statuses: Iterable[RequirementStatus]) -> bool:
    """Every requirement has a value that is not rejected (none at all: met)."""
    return all(status in MET for status in statuses)


def combined(statuses: Iterable[RequirementStatus]) -> RequirementStatus:
    """One status for a set of requirements (a phone number's): the one furthest from done.
    A number nothing is required of is approved."""
    present = set(statuses)
    for status in (RequirementStatus.EXCEPTION, RequirementStatus.PENDING,
                   RequirementStatus.UNDER_REVIEW):
        if status in present:
            return status
    return RequirementStatus.APPROVED


def check_textual(value: str, criteria: Mapping[str, Any], pointer: str) -> None:
    """A textual value against its type's acceptance criteria (lengths, values, characters)."""
    min_length = criteria.get("min_length")
    max_length = criteria.get("max_length")
    if isinstance(min_length, int) and len(value) < min_length:
        raise InvalidRequest(f"The value must be at least {min_length} characters long.",
                             pointer=pointer)
    if isinstance(max_length, int) and len(value) > max_length:
        raise InvalidRequest(f"The value must be at most {max_length} characters long.",
                             pointer=pointer)
    values = criteria.get("acceptable_values")
    if isinstance(values, list) and values and value not in values:
        raise InvalidRequest(f"The value must be one of: {', '.join(map(str, values))}.",
                             pointer=pointer)
    characters = criteria.get("acceptable_characters")
    if isinstance(characters, str) and characters:
        wrong = sorted({c for c in value if c not in characters})
        if wrong:
            raise InvalidRequest(
                f"The value holds characters this requirement does not accept:"
                f" {''.join(wrong)!r}.", pointer=pointer)
