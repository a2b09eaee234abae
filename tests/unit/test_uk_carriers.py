"""UK carrier entries and the carriers CSV file (no database)."""

from __future__ import annotations

import pytest

from portin.domain.errors import InvalidRequest
from portin.domain.uk_carriers import CarrierEntry, check_entry, parse_csv

HEADER = "name,cupid,alternative_cupids\n"


def test_a_file_is_read_row_by_row_with_its_alternatives() -> None:
    text = HEADER + 'Carrier A,123,456;789\n"Carrier, B",001,\n\nCarrier C , 002 ,"003 004"\n'
    assert parse_csv(text) == [
        CarrierEntry("Carrier A", "123", ("456", "789")),
        CarrierEntry("Carrier, B", "001", ()),
        CarrierEntry("Carrier C", "002", ("003", "004")),
    ]


def test_a_header_only_file_holds_no_carriers() -> None:
    assert parse_csv(HEADER) == []
    assert parse_csv("Name, CUPID ,Alternative_CUPIDs\r\n") == []


@pytest.mark.parametrize(("text", "message"), [
    ("", "line 1: the header must be"),
    ("cupid,name,alternative_cupids\n", "line 1: the header must be"),
    (HEADER + "A,123\n", "line 2: 2 columns"),
    (HEADER + "A,123,,extra\n", "line 2: 4 columns"),
    (HEADER + "A,123,\n,124,\n", "line 3: A carrier needs a name"),
    (HEADER + "A,12,\n", "line 2: '12' is not a CUPID"),
    (HEADER + "A,abc,\n", "line 2: 'abc' is not a CUPID"),
    (HEADER + "A,123,4567\n", "line 2: '4567' is not a CUPID"),
    (HEADER + "A,123,456;456\n", "line 2: 456 is listed twice"),
    (HEADER + "A,123,\nB,123,\n", "line 3: CUPID 123 is already on line 2"),
    (HEADER + 'A,123,"unterminated\n', "not valid CSV"),
    (HEADER + "A\x00,123,\n", "NUL"),
])
def test_a_bad_file_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        parse_csv(text)


def test_entries_are_checked_field_by_field() -> None:
    assert check_entry("  Name ", "895", ["895"]) == CarrierEntry("Name", "895", ("895",))
    with pytest.raises(InvalidRequest) as caught:
        check_entry("Name", "895", ["1"])
    assert caught.value.pointer == "/alternative_cupids/0"
    with pytest.raises(InvalidRequest):
        check_entry("x" * 256, "895", [])
    with pytest.raises(InvalidRequest):
        check_entry("tab\tname", "895", [])
    with pytest.raises(InvalidRequest):
        check_entry("Name", "895", [f"{i:03d}" for i in range(51)])
