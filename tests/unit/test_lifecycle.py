"""The transition table, move by move: every allowed move and every refused one."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from portin.domain.errors import TransitionRefused
from portin.domain.lifecycle import (
    Actor,
    OrderStatus,
    allowed_targets,
    can_delete,
    check_cancel,
    check_edit,
    check_transition,
)

# The contract's table, written out again by hand so that the code is checked against it.
CONTRACT = """
draft              in-process          user
in-process         submitted           operator
in-process         exception           operator
submitted          exception           operator
submitted          foc-date-confirmed  operator
exception          submitted           operator
foc-date-confirmed ported              operator
foc-date-confirmed exception           operator
in-process         cancel-pending      user
submitted          cancel-pending      user
exception          cancel-pending      user
foc-date-confirmed cancel-pending      user
cancel-pending     cancelled           operator
"""
ALLOWED = {(OrderStatus(a), OrderStatus(b), Actor(who))
           for a, b, who in (line.split() for line in CONTRACT.strip().splitlines())}
ALL_MOVES = list(itertools.product(OrderStatus, OrderStatus, Actor))
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_contract_table_has_thirteen_moves() -> None:
    assert len(ALLOWED) == 13


@pytest.mark.parametrize(("current", "target", "actor"), sorted(ALLOWED))
def test_allowed_move(current: OrderStatus, target: OrderStatus, actor: Actor) -> None:
    check_transition(current, target, actor)


@pytest.mark.parametrize(("current", "target", "actor"),
                         [m for m in ALL_MOVES if m not in ALLOWED])
def test_refused_move(current: OrderStatus, target: OrderStatus, actor: Actor) -> None:
    with pytest.raises(TransitionRefused) as refused:
        check_transition(current, target, actor)
    assert refused.value.status_code == 422
    assert current in refused.value.detail


@pytest.mark.parametrize("terminal", [OrderStatus.PORTED, OrderStatus.CANCELLED])
def test_terminal_statuses_have_no_way_out(terminal: OrderStatus) -> None:
    assert allowed_targets(terminal, Actor.USER) == []
    assert allowed_targets(terminal, Actor.OPERATOR) == []


def test_only_drafts_can_be_deleted() -> None:
    assert [s for s in OrderStatus if can_delete(s)] == [OrderStatus.DRAFT]


def test_cancel_refused_within_48_hours_of_confirmed_foc() -> None:
    foc = NOW + timedelta(hours=47, minutes=59)
    with pytest.raises(TransitionRefused, match="48 hours"):
        check_cancel(OrderStatus.FOC_DATE_CONFIRMED, foc, NOW)


def test_cancel_allowed_more_than_48_hours_before_confirmed_foc() -> None:
    check_cancel(OrderStatus.FOC_DATE_CONFIRMED, NOW + timedelta(hours=48, seconds=1), NOW)


def test_cancel_at_exactly_48_hours_is_refused() -> None:
    with pytest.raises(TransitionRefused):
        check_cancel(OrderStatus.FOC_DATE_CONFIRMED, NOW + timedelta(hours=48), NOW)


def test_cancel_rule_ignores_foc_date_outside_foc_confirmed() -> None:
    # A stale FOC date left from before an exception does not block the cancel.
    check_cancel(OrderStatus.EXCEPTION, NOW + timedelta(hours=1), NOW)


def test_cancel_of_a_draft_is_refused() -> None:
    with pytest.raises(TransitionRefused):
        check_cancel(OrderStatus.DRAFT, None, NOW)


@pytest.mark.parametrize("status", [OrderStatus.DRAFT, OrderStatus.EXCEPTION])
def test_details_editable_in_draft_and_exception(status: OrderStatus) -> None:
    check_edit(status, {"end_user", "misc", "webhook_url"})


@pytest.mark.parametrize("status", [s for s in OrderStatus
                                    if s not in (OrderStatus.DRAFT, OrderStatus.EXCEPTION)])
def test_details_locked_elsewhere_but_webhook_and_reference_free(status: OrderStatus) -> None:
    check_edit(status, {"webhook_url", "customer_reference"})
    with pytest.raises(TransitionRefused) as refused:
        check_edit(status, {"webhook_url", "end_user"})
    assert refused.value.pointer == "/end_user"
