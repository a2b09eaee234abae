"""Portability: may a number be ported in, may it take the FastPort lane, and if not, why.

The answer comes from two things only: what libphonenumber knows of the number (is it valid,
its region, its type) and the porting desk's rules table, one rule per (country, number
type). The most specific rule wins: (country, type), then (country, "*"), then ("*", type),
then ("*", "*"). A number no rule covers is not portable. An invalid number is answered, not
refused: not portable, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import phonenumbers

from portin.domain.errors import InvalidRequest
from portin.domain.phone_numbers import number_type_of

ANY = "*"
# The public API's phone_number_type values (what `phone_numbers.number_type` answers is a
# subset of these; the desk may also name the others, which a rule for them never matches).
NUMBER_TYPES = ("landline", "local", "localcommercial", "mobile", "multipurpose", "national",
                "other", "shared_cost", "toll_free")
# libphonenumber's regions, and "001" for its non-geographic numbers (+800, +808, +883 ...).
COUNTRY_CODES = frozenset(phonenumbers.SUPPORTED_REGIONS) | {"001"}
REASON_MAX_LENGTH = 255
# How many numbers one check answers (the API refuses a longer list with 422).
MAX_NUMBERS_PER_CHECK = 1000

NOT_E164 = "Not a phone number in +E.164 format."
NOT_VALID = "Not a valid phone number."
NO_RULE = "No portability rule covers {type} numbers of {country}."

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


@dataclass(frozen=True)
class Rule:
    """One row of the rules table: country (ISO 3166 alpha-2, "001" or "*"), number type
    (a NUMBER_TYPES value or "*"), and what it says."""

    country_code: str
    phone_number_type: str
    portable: bool
    fast_portable: bool
    not_portable_reason: str


@dataclass(frozen=True)
class Verdict:
    phone_number: str
    portable: bool
    fast_portable: bool
    not_portable_reason: str  # "" when portable


RuleBook = Mapping[tuple[str, str], Rule]


def rule_book(rules: Iterable[Rule]) -> dict[tuple[str, str], Rule]:
    return {(rule.country_code, rule.phone_number_type): rule for rule in rules}


def classify(raw: str) -> tuple[str, str] | str:
    """(country, number type) of a valid +E.164 number, or the reason it is not one."""
    if not _E164.match(raw):
        return NOT_E164
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return NOT_E164
    # The region first: is_valid_number would look it up again (for +1, a scan of two dozen
    # regions), and validity within the region is the same test.
    region = phonenumbers.region_code_for_number(parsed)
    if region is None or not phonenumbers.is_valid_number_for_region(parsed, region):
        return NOT_VALID
    return region, number_type_of(parsed)


def find_rule(book: RuleBook, country: str, kind: str) -> Rule | None:
    for key in ((country, kind), (country, ANY), (ANY, kind), (ANY, ANY)):
        rule = book.get(key)
        if rule is not None:
            return rule
    return None


def evaluate(raw: str, book: RuleBook) -> Verdict:
    """The verdict on one number under the rules."""
    classified = classify(raw)
    if isinstance(classified, str):
        return Verdict(raw, False, False, classified)
    country, kind = classified
    rule = find_rule(book, country, kind)
    if rule is None:
        return Verdict(raw, False, False, NO_RULE.format(type=kind, country=country))
    if not rule.portable:
        return Verdict(raw, False, False, rule.not_portable_reason)
    return Verdict(raw, True, rule.fast_portable, "")


def evaluate_all(numbers: Iterable[str], book: RuleBook) -> list[Verdict]:
    """One verdict per number, in the order given (a number listed twice is answered twice)."""
    return [evaluate(raw, book) for raw in numbers]


def all_fast_portable(numbers: Iterable[str], book: RuleBook) -> bool:
    """True when there is at least one number and every one may take the FastPort lane."""
    verdicts = evaluate_all(numbers, book)
    return bool(verdicts) and all(v.fast_portable for v in verdicts)


def check_rule(rule: Rule, pointer: str = "") -> Rule:
    """A rule the table may hold, else InvalidRequest: a known country and type, FastPort
    only for a portable number, and a reason exactly when the number is not portable."""
    if rule.country_code != ANY and rule.country_code not in COUNTRY_CODES:
        raise InvalidRequest(f"{rule.country_code!r} is not an ISO 3166 country code that"
                             " libphonenumber knows, '001' or '*'.",
                             parameter="country_code")
    if rule.phone_number_type != ANY and rule.phone_number_type not in NUMBER_TYPES:
        raise InvalidRequest(f"{rule.phone_number_type!r} is not a phone number type: one of"
                             f" {', '.join(NUMBER_TYPES)} or '*'.",
                             parameter="phone_number_type")
    reason = rule.not_portable_reason
    if rule.portable and reason:
        raise InvalidRequest("A portable number has no not_portable_reason: send \"\".",
                             pointer=f"{pointer}/not_portable_reason")
    if not rule.portable and not reason.strip():
        raise InvalidRequest("Say why these numbers are not portable.",
                             pointer=f"{pointer}/not_portable_reason")
    if not rule.portable and rule.fast_portable:
        raise InvalidRequest("A number that is not portable cannot be fast portable.",
                             pointer=f"{pointer}/fast_portable")
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidRequest(f"not_portable_reason is longer than {REASON_MAX_LENGTH}"
                             " characters.", pointer=f"{pointer}/not_portable_reason")
    return rule
