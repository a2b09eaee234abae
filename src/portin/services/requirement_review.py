"""The porting desk's review of an order's requirements: approve a value, or reject it with a
reason. A rejection is a new exception on the order when its status can move to exception;
otherwise (a draft, an order already in exception) the order is told by a system comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain import lifecycle
from portin.domain.errors import InvalidRequest, NotFound, TransitionRefused
from portin.domain.lifecycle import Actor, OrderStatus
from portin.services import operator as operator_service
from portin.services import requirements as requirement_service
from portin.services.orders import add_comment, require_order
from portin.services.requirements import Requirement
from portin.storage import requirements as requirement_store

# The exception code a rejection carries: the public API's catalogue has none for
# requirements, and clients validate the code against it; the description names it all.
REJECTION_CODE = "OTHER"


def review(session: Session, order_id: str, type_id: str, outcome: str, reason: str | None,
           now: datetime) -> Requirement:
    order = require_order(session, order_id, None)
    status = OrderStatus(order.status)
    if status in lifecycle.TERMINAL or status == OrderStatus.CANCEL_PENDING:
        raise TransitionRefused(f"The porting order is '{status}': its requirements are no"
                                " longer reviewed.", pointer="/status")
    if outcome == "rejected" and not (reason and reason.strip()):
        raise InvalidRequest("A rejection needs a reason the user can act on.",
                             pointer="/reason")
    requirement = requirement_service.of_order(session, order).find(type_id)
    if requirement is None:
        if requirement_store.get_type(session, type_id) is None:
            raise NotFound(f"Requirement type {type_id} was not found.")
        raise InvalidRequest(f"Requirement type {type_id} does not apply to the numbers on"
                             " this order.", pointer="/requirement_type_id")
    value = requirement.value
    if value is None:
        raise InvalidRequest("The order has no value for this requirement yet; there is"
                             " nothing to review.", pointer="/status")
    value.review_status = outcome
    value.review_reason = reason.strip() if reason else None
    value.reviewed_at = now
    value.updated_at = now
    order.updated_at = now  # a user's PATCH of the same order at the same time loses (409)
    session.flush()
    if outcome == "rejected":
        detail = (f"Requirement '{requirement.type.name}' ({type_id}) was rejected:"
                  f" {value.review_reason}")
        if OrderStatus.EXCEPTION in lifecycle.allowed_targets(status, Actor.OPERATOR):
            operator_service.set_status(session, order.id, str(OrderStatus.EXCEPTION),
                                        [{"code": REJECTION_CODE, "description": detail}],
                                        None, now)
        else:
            add_comment(session, order, detail, "system", None, now)
    return Requirement(requirement.type, value)
