"""Phone numbers pasted as text: every common format read, duplicates merged, each piece that
is not a number named by its line, and no text at all that makes the parser raise."""

from __future__ import annotations

import time

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat as Format

from portin.domain.number_paste import MAX_NUMBERS, MAX_PROBLEMS, parse_pasted_numbers, regions


def test_a_messy_paste_gives_each_number_once_in_e164() -> None:
    pasted = ("+1 (312) 555-0100\n"
              "312-555-0101, 3125550102; +44 20 7946 0958\n"
              "0044 20 7946 0959\n"
              "tel:+1-312-555-0103\n"
              "+1 312 555 0104 +1 312 555 0105\n"
              "312.555.0101\n")
    result = parse_pasted_numbers(pasted)
    assert result.numbers == ("+13125550100", "+13125550101", "+13125550102", "+442079460958",
                              "+442079460959", "+13125550103", "+13125550104", "+13125550105")
    assert result.duplicates == 1
    assert result.problems == ()


def test_numbers_with_spaces_inside_and_between_are_told_apart() -> None:
    result = parse_pasted_numbers("+382 80 080 002 0044 20 7946 0958 +49 30 123456 +49 30 1234567")
    assert result.numbers == ("+38280080002", "+442079460958", "+4930123456", "+49301234567")
    assert result.problems == ()


def test_each_piece_that_is_not_a_number_is_named_by_its_line() -> None:
    result = parse_pasted_numbers("+13125550100\n\n555-01\n+1 555 555 5555, 12")
    assert [p.message for p in result.problems] == [
        "Line 3: '555-01' is not a phone number",
        "Line 4: '+1 555 555 5555' is not a valid phone number",
        "Line 4: '12' is not a phone number",
    ]
    assert result.numbers == ("+13125550100",)


def test_a_national_number_is_read_in_the_chosen_country() -> None:
    assert parse_pasted_numbers("020 7946 0958", "GB").numbers == ("+442079460958",)
    problem = parse_pasted_numbers("020 7946 0958", "US").problems[0]
    assert "not a valid United States number" in problem.message
    assert "start it with + and the country code" in problem.message


def test_an_unknown_country_is_read_as_the_default() -> None:
    assert parse_pasted_numbers("312-555-0100", "XX").numbers == ("+13125550100",)


def test_lines_without_digits_are_not_numbers_and_not_problems() -> None:
    result = parse_pasted_numbers("Numbers to port:\n- +13125550100\n")
    assert result.numbers == ("+13125550100",)
    assert result.problems == ()


def test_more_than_an_order_holds_is_said() -> None:
    pasted = "\n".join(f"+1312555{n:04d}" for n in range(MAX_NUMBERS + 5))
    result = parse_pasted_numbers(pasted)
    assert result.too_many
    assert len(result.numbers) == MAX_NUMBERS


def test_a_page_of_digits_is_read_only_until_it_is_clearly_not_a_list_of_numbers() -> None:
    garbage = "\n".join("12 34 56 78 90" for _ in range(20_000))
    started = time.perf_counter()
    result = parse_pasted_numbers(garbage)
    assert time.perf_counter() - started < 2
    assert result.stopped_at_line is not None and result.stopped_at_line < 200
    assert len(result.problems) >= MAX_PROBLEMS
    one_line = parse_pasted_numbers(" ".join("12 34" for _ in range(20_000)))
    assert one_line.stopped_at_line == 1
    assert time.perf_counter() - started < 4


def test_every_country_in_the_picker_has_a_name() -> None:
    names = dict(regions())
    assert names["US"] == "United States (+1)"
    assert names["GB"] == "United Kingdom (+44)"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)))
def test_no_text_makes_it_raise(text: str, region: str) -> None:
    result = parse_pasted_numbers(text, region)
    for number in result.numbers:
        assert phonenumbers.is_valid_number(phonenumbers.parse(number))


# Valid numbers: libphonenumber's example of each kind for each country.
EXAMPLES = sorted({
    phonenumbers.format_number(example, Format.E164)
    for region in phonenumbers.SUPPORTED_REGIONS
    for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
                 phonenumbers.PhoneNumberType.TOLL_FREE)
    if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    and phonenumbers.is_valid_number(example)
})


def written(number: str, style: str, region: str) -> str:
    parsed = phonenumbers.parse(number)
    if style == "national" and phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(parsed, Format.NATIONAL)
    if style == "00":
        return "00" + phonenumbers.format_number(parsed, Format.INTERNATIONAL)[1:]
    if style == "tel":
        return phonenumbers.format_number(parsed, Format.RFC3966)
    if style == "international":
        return phonenumbers.format_number(parsed, Format.INTERNATIONAL)
    return number


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(EXAMPLES),
                          st.sampled_from(["e164", "international", "national", "00", "tel"]),
                          st.sampled_from(["\n", ",", ", ", ";", " ; ", "\r\n", "\t"])),
                min_size=1, max_size=30),
       st.sampled_from(["US", "GB", "DE", "AU", "FR"]))
def test_every_valid_number_is_found_whatever_its_format(
        items: list[tuple[str, str, str]], region: str) -> None:
    pasted = "".join(written(number, style, region) + separator
                     for number, style, separator in items)
    result = parse_pasted_numbers(pasted, region)
    expected = list(dict.fromkeys(number for number, _, _ in items))
    assert list(result.numbers) == expected
    assert result.problems == ()
    assert result.duplicates == len(items) - len(expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(EXAMPLES),
                          st.sampled_from(["e164", "tel", "international"])),
                min_size=1, max_size=20))
def test_numbers_separated_by_spaces_alone_are_all_found(items: list[tuple[str, str]]) -> None:
    pasted = " ".join(written(number, style, "US") for number, style in items)
    result = parse_pasted_numbers(pasted)
    assert list(result.numbers) == list(dict.fromkeys(number for number, _ in items))
    assert result.problems == ()
