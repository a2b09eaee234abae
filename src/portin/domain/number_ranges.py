"""Number ranges on an order: blocks, extensions and associated numbers, as pure rules.

A phone number range is two +E.164 numbers of one country, one number type and one length;
the range is every number between them, counted as integers (so +442079460000 to
+442079460099 is 100 numbers). An extension range is two non-negative integers. Every rule
here raises InvalidRequest with a pointer into the request body; nothing here reads storage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portin.domain.errors import InvalidRequest
from portin.domain.phone_numbers import normalize_e164, number_type

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")

# A range stands for at most this many numbers (the largest blocks carriers hand out).
MAX_RANGE_SIZE = 10_000
# Extensions are at most eight digits.
MAX_EXTENSION = 99_999_999
ASSOCIATED_COUNTRY = "GB"
# The phone_number_type values the public API allows on an associated number.
ASSOCIATED_TYPES = frozenset({"landline", "local", "mobile", "national", "shared_cost",
                              "toll_free"})


@dataclass(frozen=True)
class Span:
    """A closed interval of integers: numbers (their digits) or extensions."""

    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class NumberRange:
    start_at: str
    end_at: str
    country_code: str | None
    phone_number_type: str

    @property
    def span(self) -> Span:
        return Span(int(self.start_at[1:]), int(self.end_at[1:]))


def number_range(start_at: str, end_at: str, pointer: str) -> NumberRange:
    """Two numbers that make a range: valid, same country, type and length, start <= end."""
    start, country = normalize_e164(start_at, f"{pointer}/start_at")
    end, end_country = normalize_e164(end_at, f"{pointer}/end_at")
    if len(start) != len(end):
        raise InvalidRequest(f"{start} and {end} have different lengths, so they do not make a"
                             " range.", pointer=f"{pointer}/end_at")
    if country != end_country:
        raise InvalidRequest(f"{start} ({country}) and {end} ({end_country}) are in different"
                             " countries.", pointer=f"{pointer}/end_at")
    kind = number_type(start)
    if number_type(end) != kind:
        raise InvalidRequest(f"{start} is {kind} but {end} is {number_type(end)}; a range holds"
                             " numbers of one type.", pointer=f"{pointer}/end_at")
    result = NumberRange(start, end, country, kind)
    _check_span(result.span, pointer)
    return result


def activation_span(start_at: str, end_at: str, pointer: str) -> Span:
    """An activation range of a block: two +E.164 numbers (checked against the block by
    `check_activation_ranges`, which also makes them the block's length)."""
    for key, value in (("start_at", start_at), ("end_at", end_at)):
        if not _E164.match(value):
            raise InvalidRequest(f"{value!r} is not a phone number in +E.164 format.",
                                 pointer=f"{pointer}/{key}")
    if len(start_at) != len(end_at):
        raise InvalidRequest("start_at and end_at have different lengths.",
                             pointer=f"{pointer}/end_at")
    return Span(int(start_at[1:]), int(end_at[1:]))


def extension_range(start_at: int, end_at: int, pointer: str) -> Span:
    for key, value in (("start_at", start_at), ("end_at", end_at)):
        if not 0 <= value <= MAX_EXTENSION:
            raise InvalidRequest(f"An extension is between 0 and {MAX_EXTENSION}; got {value}.",
                                 pointer=f"{pointer}/{key}")
    span = Span(start_at, end_at)
    _check_span(span, pointer)
    return span


def _check_span(span: Span, pointer: str) -> None:
    if span.start > span.end:
        raise InvalidRequest("start_at must not be after end_at.", pointer=f"{pointer}/start_at")
    if span.end - span.start + 1 > MAX_RANGE_SIZE:
        raise InvalidRequest(f"A range holds at most {MAX_RANGE_SIZE} numbers.",
                             pointer=f"{pointer}/end_at")


def check_activation_ranges(outer: Span, ranges: Sequence[Span],
                            pointer: str = "/activation_ranges") -> None:
    """At least one; each inside `outer`; none overlapping another."""
    if not ranges:
        raise InvalidRequest("At least one activation range is required.", pointer=pointer)
    for index, span in enumerate(ranges):
        if span.start > span.end:
            raise InvalidRequest("start_at must not be after end_at.",
                                 pointer=f"{pointer}/{index}/start_at")
        if not outer.contains(span):
            raise InvalidRequest("An activation range must lie within its range.",
                                 pointer=f"{pointer}/{index}")
        for earlier in range(index):
            if ranges[earlier].overlaps(span):
                raise InvalidRequest(f"Activation ranges {earlier} and {index} overlap.",
                                     pointer=f"{pointer}/{index}")


def check_no_overlap(span: Span, others: Iterable[tuple[str, Span]], pointer: str) -> None:
    """`others` are (description, span) of what the order already holds."""
    for name, other in others:
        if span.overlaps(other):
            raise InvalidRequest(f"The range overlaps {name}.", pointer=pointer)


def needs_associated_numbers(misc_type: str | None, countries: Iterable[str | None],
                             associated_count: int) -> bool:
    """A partial port of United Kingdom numbers names the account's other numbers (keep or
    disconnect each) before it can go ahead: the order's additional step until one is given."""
    return (misc_type == "partial" and ASSOCIATED_COUNTRY in set(countries)
            and associated_count == 0)
