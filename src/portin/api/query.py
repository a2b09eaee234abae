"""Query strings of the public API: bracketed filters, page[number] and page[size].

Filters arrive in bracket form (`filter[a][b]`, what the SDK sends) or dotted form
(`filter[a.b]`, what the spec names); both are folded into one bracket key here. Each typed
getter refuses a bad value with an error whose `source.parameter` names the key. No key or
value may hold a NUL character (PostgreSQL text cannot); page numbers stop at
MAX_PAGE_NUMBER, so an offset stays far inside 64 bits; timestamps must lie within the years
portin stores (the same rule as request bodies).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import QueryParams

from portin.api.schemas import EARLIEST_DATETIME, LATEST_DATETIME, StorableDatetime
from portin.domain.errors import InvalidRequest, MalformedRequest
from portin.storage.paging import PageRequest

MAX_PAGE_SIZE = 250
DEFAULT_PAGE_SIZE = 20
# 10^9 pages of 250 is an offset of 2.5 * 10^11: far inside the databases' 64-bit OFFSET.
MAX_PAGE_NUMBER = 1_000_000_000
_datetime = TypeAdapter(StorableDatetime)


def _bracket_form(key: str) -> str:
    """filter[a.b][c] -> filter[a][b][c]; other keys unchanged."""
    return re.sub(r"\[([^\[\]]+)\]", lambda m: "".join(
        f"[{part}]" for part in m.group(1).split(".")), key)


class Query:
    def __init__(self, params: QueryParams) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in params.multi_items():
            if "\x00" in key or "\x00" in value:
                raise MalformedRequest("A query parameter contains a NUL character.",
                                       parameter=key.replace("\x00", ""))
            self._values.setdefault(_bracket_form(key), []).append(value)

    def text(self, key: str, max_length: int = 255) -> str | None:
        values = self._values.get(key)
        if not values:
            return None
        value = values[-1]
        if len(value) > max_length:
            raise InvalidRequest(f"{key} is longer than {max_length} characters.",
                                 parameter=key)
        return value

    def texts(self, key: str, max_length: int = 255) -> list[str]:
        """A list of free text given as repeated keys and/or comma-joined values."""
        result: list[str] = []
        for raw in self._values.get(key, []):
            for value in (v.strip() for v in raw.split(",")):
                if len(value) > max_length:
                    raise InvalidRequest(f"{key} holds a value longer than {max_length}"
                                         " characters.", parameter=key)
                if value:
                    result.append(value)
        return result

    def choice(self, key: str, allowed: Iterable[str]) -> str | None:
        value = self.text(key)
        options = list(allowed)
        if value is not None and value not in options:
            raise InvalidRequest(f"{key} must be one of: {', '.join(options)}; got {value!r}.",
                                 parameter=key)
        return value

    def choices(self, key: str, allowed: Iterable[str]) -> list[str]:
        """A list given as repeated keys and/or comma-joined values (the SDK joins arrays)."""
        options = list(allowed)
        result: list[str] = []
        for raw in self._values.get(key, []):
            for value in (v.strip() for v in raw.split(",")):
                if value not in options:
                    raise InvalidRequest(
                        f"{key} must be made of: {', '.join(options)}; got {value!r}.",
                        parameter=key)
                result.append(value)
        return result

    def boolean(self, key: str) -> bool | None:
        value = self.text(key)
        if value is None:
            return None
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise MalformedRequest(f"{key} must be true or false; got {value!r}.", parameter=key)

    def timestamp(self, key: str) -> datetime | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return _datetime.validate_python(value)
        except ValidationError as exc:
            raise MalformedRequest(
                f"{key} must be an ISO 8601 date-time with a time zone, between"
                f" {EARLIEST_DATETIME.isoformat()} and {LATEST_DATETIME.isoformat()};"
                f" got {value!r}.",
                parameter=key) from exc

    def integer(self, key: str, default: int, minimum: int, maximum: int | None = None) -> int:
        value = self.text(key)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError as exc:
            raise MalformedRequest(f"{key} must be an integer; got {value!r}.",
                                   parameter=key) from exc
        if number < minimum or (maximum is not None and number > maximum):
            upper = f" and {maximum}" if maximum is not None else ""
            raise InvalidRequest(f"{key} must be between {minimum}{upper}; got {number}.",
                                 parameter=key)
        return number

    def page(self) -> PageRequest:
        return PageRequest(
            number=self.integer("page[number]", 1, 1, MAX_PAGE_NUMBER),
            size=self.integer("page[size]", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
        )


ParamDoc = tuple[str, dict[str, Any], str]


def parameter_docs(specs: Iterable[ParamDoc]) -> dict[str, Any]:
    """OpenAPI `parameters` for query keys read by hand, so the docs list them all."""
    return {"parameters": [
        {"name": name, "in": "query", "required": False, "schema": schema,
         "description": description}
        for name, schema, description in specs
    ]}


PAGE_DOCS: list[ParamDoc] = [
    ("page[number]", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER,
                      "default": 1}, "Page to return."),
    ("page[size]", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE,
                    "default": DEFAULT_PAGE_SIZE}, "Items per page."),
]
