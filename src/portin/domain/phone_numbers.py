"""Phone numbers on an order: strict E.164, and the country each belongs to."""

from __future__ import annotations

import re

import phonenumbers

from portin.domain.errors import InvalidRequest

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def normalize_e164(raw: str, pointer: str) -> tuple[str, str | None]:
    """Return (number, ISO country code) for a valid +E.164 number, else raise InvalidRequest."""
    if not isinstance(raw, str) or not _E164.match(raw):
        raise InvalidRequest(f"{raw!r} is not a phone number in +E.164 format.", pointer=pointer)
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidRequest(f"{raw!r} is not a phone number: {exc}.", pointer=pointer) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidRequest(f"{raw!r} is not a valid phone number.", pointer=pointer)
    region = phonenumbers.region_code_for_number(parsed)
    return raw, region


_NUMBER_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
    phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "local",
}


def number_type(raw: str) -> str:
    """The public API's phone_number_type for a number, from its numbering plan."""
    return number_type_of(phonenumbers.parse(raw, None))


def number_type_of(parsed: phonenumbers.PhoneNumber) -> str:
    """number_type of a number parsed already (a portability check of many numbers parses
    each once)."""
    return _NUMBER_TYPES.get(phonenumbers.number_type(parsed), "other")


def validate_numbers(raw_numbers: list[str], pointer: str = "/phone_numbers"
                     ) -> list[tuple[str, str | None]]:
    """Validate a request's list of numbers: non-empty, each E.164, no duplicates."""
    if not raw_numbers:
        raise InvalidRequest("At least one phone number is required.", pointer=pointer)
    seen: set[str] = set()
    result: list[tuple[str, str | None]] = []
    for index, raw in enumerate(raw_numbers):
        number, region = normalize_e164(raw, f"{pointer}/{index}")
        if number in seen:
            raise InvalidRequest(f"{number} is listed twice.", pointer=f"{pointer}/{index}")
        seen.add(number)
        result.append((number, region))
    return result
