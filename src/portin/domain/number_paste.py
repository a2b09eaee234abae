"""Phone numbers pasted as text (the portal's new-order form): found in any common format,
turned into +E.164, duplicates merged, and every piece that is not a number named by its line.

Pure and total: any text gives a result, never an exception. Numbers without a leading + (or
00) are read as numbers of `default_region`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import geocoder

DEFAULT_REGION = "US"
# As many as POST /v2/porting_orders takes in one order.
MAX_NUMBERS = 1000
# Far beyond any real paste of MAX_NUMBERS numbers; the rest of the text is not read.
MAX_TEXT_CHARS = 100_000
# Past this many pieces that are not numbers the text is not a list of numbers: reading stops
# (each such piece costs several parse attempts, so a page of digits would take seconds).
MAX_PROBLEMS = 100

# Between numbers: line breaks, commas, semicolons, tabs. Spaces are often inside a number
# ("+1 (312) 555-0100"), so a piece with spaces is read word run by word run.
_PIECES = re.compile(r"[,;\t|]+")
# An international call prefix typed instead of "+" ("0044 20 7946 0958").
_IDD = re.compile(r"^00(?=[1-9])")
_DIGIT = re.compile(r"\d")
_TEL = re.compile(r"^(?:tel|callto|sip):", re.IGNORECASE)
_STARTS_NUMBER = re.compile(r"^(?:\+|(?:tel|callto|sip):)", re.IGNORECASE)
# The most words one written number spans ("+1 (312) 555 01 00" is five).
_MOST_WORDS = 7
# Punctuation a piece may carry around it that says nothing (quotes, brackets of a list).
_AROUND = " \t\"'<>[]{}."


@dataclass(frozen=True)
class Problem:
    """A piece of the text that is not a phone number, with the line it is on (from 1)."""

    line: int
    text: str
    reason: str

    @property
    def message(self) -> str:
        return f"Line {self.line}: '{self.text}' {self.reason}"


@dataclass(frozen=True)
class PastedNumbers:
    numbers: tuple[str, ...]  # +E.164, each once, in the order first pasted
    problems: tuple[Problem, ...]
    duplicates: int  # how many repeats were merged into the first
    too_many: bool = False  # more than MAX_NUMBERS numbers; `numbers` holds the first ones
    stopped_at_line: int | None = None  # MAX_PROBLEMS reached: the lines after are not read


def parse_pasted_numbers(text: str, default_region: str = DEFAULT_REGION) -> PastedNumbers:
    """Every phone number in `text`, one per line or separated by commas, semicolons, tabs or
    spaces, in E.164, national ("312-555-0100", "(312) 555-0100"), international ("+44 20
    7946 0958", "0044 20 7946 0958") or tel: link form."""
    region = default_region if default_region in phonenumbers.SUPPORTED_REGIONS else DEFAULT_REGION
    found: dict[str, None] = {}
    problems: list[Problem] = []
    duplicates = 0
    too_many = False
    stopped_at_line = None
    for line_number, line in enumerate(text[:MAX_TEXT_CHARS].splitlines(), start=1):
        for piece in _PIECES.split(line):
            if len(problems) >= MAX_PROBLEMS:
                stopped_at_line = line_number
                break
            numbers, unread, cut = _numbers_in(piece, region, MAX_PROBLEMS - len(problems))
            if cut:
                stopped_at_line = line_number
            problems.extend(Problem(line_number, bad, reason) for bad, reason in unread)
            for number in numbers:
                if number in found:
                    duplicates += 1
                elif len(found) >= MAX_NUMBERS:
                    too_many = True
                else:
                    found[number] = None
            if stopped_at_line is not None:
                break
        if stopped_at_line is not None:
            break
    return PastedNumbers(tuple(found), tuple(problems), duplicates, too_many, stopped_at_line)


def _numbers_in(piece: str, region: str, room: int
                ) -> tuple[list[str], list[tuple[str, str]], bool]:
    """The numbers in one piece, what in it is not a number (with why), and whether reading
    stopped before its end (`room` words that are not numbers found)."""
    cleaned = piece.strip(_AROUND)
    if not cleaned:
        return [], [], False
    whole = _as_number(cleaned, region)
    if whole is not None:
        return [whole], [], False
    words = cleaned.split()
    if len(words) == 1:
        return [], [(cleaned, _why_not(cleaned, region))], False
    # Several numbers separated by spaces ("+1 312 555 0104 +1 312 555 0105"), or one among
    # other words: from each word on, the longest run of words that is one valid number.
    numbers: list[str] = []
    unread: list[str] = []
    at = 0
    while at < len(words) and len(unread) < room:
        # A word starting with + or tel: starts the next number: a run stops before it.
        last = next((k for k in range(at + 1, min(len(words), at + _MOST_WORDS))
                     if _STARTS_NUMBER.match(words[k])), min(len(words), at + _MOST_WORDS))
        for end in range(last, at, -1):
            number = _as_number(" ".join(words[at:end]), region)
            if number is not None:
                numbers.append(number)
                at = end
                break
        else:
            word = words[at].strip(_AROUND)
            if _DIGIT.search(word):
                unread.append(word)
            at += 1
    cut = at < len(words)
    if not numbers and unread and not cut:  # nothing: name the piece as pasted, not its words
        return [], [(cleaned, _why_not(cleaned, region))], False
    return numbers, [(word, _why_not(word, region)) for word in unread], cut


def _international(text: str) -> str:
    """`text` without a tel: scheme and with a leading 00 call prefix written as +. (The
    default region's own prefix, 011 in the US, libphonenumber reads by itself.)"""
    return _IDD.sub("+", _TEL.sub("", text.strip(), count=1), count=1)


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    candidate = _international(text).strip()
    if not _DIGIT.search(candidate):
        return None
    try:
        return phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    except Exception:  # libphonenumber on hostile text: read as no number
        return None


def _as_number(text: str, region: str) -> str | None:
    parsed = _parse(text, region)
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _why_not(text: str, region: str) -> str:
    digits = len(_DIGIT.findall(text))
    if _parse(text, region) is None or not 7 <= digits <= 17:
        return "is not a phone number"
    if _international(text).strip().startswith("+"):
        return "is not a valid phone number"
    return (f"is not a valid {region_name(region)} number (for another country, start it"
            " with + and the country code)")


@cache
def region_name(region: str) -> str:
    """A country's English name, as libphonenumber's geocoder names it ("United States")."""
    example = phonenumbers.example_number(region)
    name = geocoder.country_name_for_number(example, "en") if example is not None else ""
    return name or region


@cache
def regions() -> tuple[tuple[str, str], ...]:
    """(ISO code, "Name (+code)") of every country libphonenumber knows, by name."""
    named = [(code, f"{region_name(code)} (+{phonenumbers.country_code_for_region(code)})")
             for code in phonenumbers.SUPPORTED_REGIONS]
    return tuple(sorted(named, key=lambda item: item[1]))
