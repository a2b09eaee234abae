"""Action requirements: created with an order that needs them, initiated by the user, moved
to their outcome by the porting desk. Every status change writes one system comment on the
order (porting_order.new_comment, user_type "system"): the public API has no event type of
its own for action requirements."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain import action_requirements as rules
from portin.domain import lifecycle
from portin.domain.action_requirements import RequirementStatus
from portin.domain.errors import InvalidRequest, NotFound, TransitionRefused
from portin.domain.lifecycle import Actor, OrderStatus
from portin.services import orders as order_service
from portin.storage import action_requirements as requirement_store
from portin.storage.models import PortingActionRequirement, PortingOrder


def create_for_order(session: Session, order: PortingOrder, countries: Iterable[str | None],
                     now: datetime) -> list[PortingActionRequirement]:
    """The requirements a new order's numbers call for (an AU number: au_id_verification)."""
    rows = [PortingActionRequirement(
        id=str(uuid.uuid4()), organization_id=order.organization_id, porting_order_id=order.id,
        action_type=action_type, requirement_type_id=type_id,
        status=str(RequirementStatus.CREATED), action_url=None, cancel_reason=None,
        first_name=None, last_name=None, created_at=now, updated_at=now)
        for action_type, type_id in rules.requirements_for(countries)]
    session.add_all(rows)
    session.flush()
    return rows


def require_requirement(session: Session, order: PortingOrder, requirement_id: str
                        ) -> PortingActionRequirement:
    row = requirement_store.get_requirement(session, requirement_id, order.id,
                                            order.organization_id)
    if row is None:
        raise NotFound(f"Action requirement {requirement_id} was not found on this order.")
    return row


def _move(session: Session, order: PortingOrder, row: PortingActionRequirement,
          target: RequirementStatus, actor: Actor, now: datetime) -> None:
    if OrderStatus(order.status) in lifecycle.TERMINAL:
        raise TransitionRefused(
            f"The porting order is '{order.status}'; its action requirements are closed.",
            pointer="/status")
    current = RequirementStatus(row.status)
    rules.check_move(current, target, actor)
    row.status = str(target)
    row.updated_at = now
    session.flush()
    who = "the porting desk" if actor == Actor.OPERATOR else "the user"
    order_service.add_comment(
        session, order, f"Action requirement {row.action_type} ({row.id}) moved from"
        f" {current} to {target} by {who}.", "system", None, now)


def initiate(session: Session, organization_id: str, order_id: str, requirement_id: str,
             first_name: str, last_name: str, now: datetime) -> PortingActionRequirement:
    order = order_service.require_order(session, order_id, organization_id)
    row = require_requirement(session, order, requirement_id)
    names = {"first_name": first_name.strip(), "last_name": last_name.strip()}
    for field, value in names.items():
        if not value:
            raise InvalidRequest(f"{field} must not be blank.", pointer=f"/params/{field}")
    _move(session, order, row, RequirementStatus.PENDING, Actor.USER, now)
    row.first_name = names["first_name"]
    row.last_name = names["last_name"]
    row.cancel_reason = None
    session.flush()
    return row


def set_status(session: Session, order_id: str, requirement_id: str, value: str,
               cancel_reason: str | None, now: datetime) -> PortingActionRequirement:
    """The porting desk's move (any organization's order)."""
    order = order_service.require_order(session, order_id, None)
    row = require_requirement(session, order, requirement_id)
    try:
        target = RequirementStatus(value)
    except ValueError as exc:
        raise InvalidRequest(f"Unknown action requirement status {value!r}.",
                             pointer="/status") from exc
    if cancel_reason is not None and target != RequirementStatus.CANCELLED:
        raise InvalidRequest("Only a cancellation carries a cancel_reason.",
                             pointer="/cancel_reason")
    _move(session, order, row, target, Actor.OPERATOR, now)
    row.cancel_reason = cancel_reason if target == RequirementStatus.CANCELLED else None
    session.flush()
    return row
