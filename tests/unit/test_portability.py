"""The portability rules: a number and a rules table in, a verdict out (no database)."""

from __future__ import annotations

import pytest

from portin.domain import portability
from portin.domain.errors import InvalidRequest
from portin.domain.portability import Rule, Verdict, evaluate, rule_book
from portin.services.portability import shipped_rules

US_LOCAL = "+17203330001"
US_TOLL_FREE = "+18002221111"
US_PREMIUM = "+19005550100"
GB_LANDLINE = "+442079460000"
DE_LANDLINE = "+4930123456"


def rule(country: str, kind: str, portable: bool = True, fast: bool = False,
         reason: str = "") -> Rule:
    return Rule(country, kind, portable, fast, reason)


BOOK = rule_book([
    rule("US", "local", fast=True),
    rule("US", "*", portable=False, reason="US other"),
    rule("*", "toll_free"),
    rule("*", "*", portable=False, reason="anything else"),
])


def test_the_most_specific_rule_wins() -> None:
    assert evaluate(US_LOCAL, BOOK) == Verdict(US_LOCAL, True, True, "")
    # (US, *) is more specific than (*, toll_free).
    assert evaluate(US_TOLL_FREE, BOOK) == Verdict(US_TOLL_FREE, False, False, "US other")
    assert evaluate("+448001111111", BOOK) == Verdict("+448001111111", True, False, "")
    assert evaluate(GB_LANDLINE, BOOK) == Verdict(GB_LANDLINE, False, False, "anything else")


def test_a_number_no_rule_covers_is_not_portable_and_says_so() -> None:
    verdict = evaluate(DE_LANDLINE, rule_book([rule("US", "local")]))
    assert verdict == Verdict(DE_LANDLINE, False, False,
                              "No portability rule covers landline numbers of DE.")


@pytest.mark.parametrize(("raw", "reason"), [
    ("17203330001", portability.NOT_E164),
    ("+1 720 333 0001", portability.NOT_E164),
    ("", portability.NOT_E164),
    ("+0123456789", portability.NOT_E164),
    ("+1234567890123456", portability.NOT_E164),
    ("+1720333000", portability.NOT_VALID),
    ("+447700900123", portability.NOT_VALID),
])
def test_an_invalid_number_is_answered_not_portable_with_the_reason(raw: str,
                                                                    reason: str) -> None:
    assert evaluate(raw, BOOK) == Verdict(raw, False, False, reason)


def test_a_not_portable_rule_is_never_fast_portable() -> None:
    assert evaluate(US_PREMIUM, BOOK) == Verdict(US_PREMIUM, False, False, "US other")


def test_verdicts_follow_the_order_given_duplicates_included() -> None:
    verdicts = portability.evaluate_all([GB_LANDLINE, US_LOCAL, GB_LANDLINE], BOOK)
    assert [v.phone_number for v in verdicts] == [GB_LANDLINE, US_LOCAL, GB_LANDLINE]


def test_fast_port_needs_every_number_and_at_least_one() -> None:
    assert portability.all_fast_portable([US_LOCAL, "+17203330002"], BOOK)
    assert not portability.all_fast_portable([US_LOCAL, US_TOLL_FREE], BOOK)
    assert not portability.all_fast_portable([US_LOCAL, "nonsense"], BOOK)
    assert not portability.all_fast_portable([], BOOK)


@pytest.mark.parametrize(("bad", "fragment"), [
    (rule("XX", "local"), "country code"),
    (rule("us", "local"), "country code"),
    (rule("US", "fixed"), "phone number type"),
    (rule("US", "local", reason="why"), "no not_portable_reason"),
    (rule("US", "local", portable=False), "Say why"),
    (rule("US", "local", portable=False, reason="   "), "Say why"),
    (rule("US", "local", portable=False, fast=True, reason="no"), "cannot be fast"),
    (rule("US", "local", portable=False, reason="x" * 256), "longer than"),
])
def test_check_rule_refuses_what_the_table_may_not_hold(bad: Rule, fragment: str) -> None:
    with pytest.raises(InvalidRequest, match=fragment):
        portability.check_rule(bad)


@pytest.mark.parametrize("good", [rule("*", "*", portable=False, reason="no"),
                                  rule("001", "toll_free"), rule("GB", "shared_cost")])
def test_check_rule_accepts_wildcards_and_non_geographic(good: Rule) -> None:
    assert portability.check_rule(good) == good


def test_the_shipped_defaults_are_valid_rules_with_a_catch_all() -> None:
    rules = shipped_rules()
    for shipped in rules:
        portability.check_rule(shipped)
    book = rule_book(rules)
    assert len(book) == len(rules)  # no key twice
    assert ("*", "*") in book
    assert evaluate(US_LOCAL, book).fast_portable
