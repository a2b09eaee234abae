"""Activation of FastPort orders: the user's activation jobs, the desk's outcome of each, and
the scheduler's port of orders nobody activated before their FOC-day window closed."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portin.domain import activation as rules
from portin.domain.activation import JobStatus
from portin.domain.errors import Conflict, InvalidRequest, NotFound, TransitionRefused
from portin.domain.foc_windows import Window, inside_any
from portin.domain.lifecycle import OrderStatus
from portin.services import foc
from portin.services.operator import set_status
from portin.services.orders import require_order
from portin.storage import activation as store
from portin.storage import orders as order_store
from portin.storage.db import Database
from portin.storage.models import ActivationJob, PortingOrder

log = logging.getLogger(__name__)

LIVE = [str(s) for s in rules.LIVE_JOB_STATUSES]
BATCH = 200


def _windows_json(windows: list[Window]) -> list[dict[str, str]]:
    return [{"start_at": w.start.isoformat(), "end_at": w.end.isoformat()} for w in windows]


def job_windows(job: ActivationJob) -> list[Window]:
    return [Window(datetime.fromisoformat(w["start_at"]), datetime.fromisoformat(w["end_at"]))
            for w in job.activation_windows]


def activate(session: Session, organization_id: str, order_id: str, now: datetime
             ) -> ActivationJob:
    """A new activation job for a FastPort order whose FOC date is confirmed. One live job per
    order: the order's row is locked first, so a concurrent activation waits, then finds this
    one (409); the partial unique index refuses a second live job whatever happens."""
    order = require_order(session, order_id, organization_id)
    store.lock_order(session, order.id)
    session.refresh(order)
    rules.check_activate(OrderStatus(order.status), order.fast_port_eligible)
    live = store.live_job(session, order.id, LIVE)
    if live is not None:
        raise Conflict(f"Porting order {order.id} already has a live activation job"
                       f" ({live.id}, {live.status}).")
    windows = foc.activation_windows(session, order, now)
    now_open = inside_any(now, windows) or not windows
    job = ActivationJob(
        id=str(uuid.uuid4()), organization_id=order.organization_id, porting_order_id=order.id,
        status=str(JobStatus.CREATED),
        activation_type="on-demand" if now_open else "scheduled",
        activate_at=now if now_open else windows[0].start,
        activation_windows=_windows_json(windows), created_at=now, updated_at=now)
    session.add(job)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Porting order {order.id} already has a live activation job.") from exc
    return job


def require_job(session: Session, order: PortingOrder, job_id: str) -> ActivationJob:
    job = store.get_job(session, order.id, job_id)
    if job is None:
        raise NotFound(f"Activation job {job_id} was not found on porting order {order.id}.")
    return job


def reschedule(session: Session, organization_id: str, order_id: str, job_id: str,
               activate_at: datetime | None, now: datetime) -> ActivationJob:
    """PATCH a job's activate_at: only while it is created, only inside one of its windows."""
    order = require_order(session, order_id, organization_id)
    job = require_job(session, order, job_id)
    if activate_at is None:
        return job
    if job.status != JobStatus.CREATED:
        raise TransitionRefused(f"Activation job {job.id} is '{job.status}'; only a created job"
                                " can be rescheduled.", pointer="/status")
    if not inside_any(activate_at, job_windows(job)) or activate_at < now:
        raise InvalidRequest(
            f"activate_at {activate_at.isoformat()} is not inside one of the job's"
            " activation_windows (or is in the past).", pointer="/activate_at")
    job.activate_at = activate_at
    job.activation_type = "scheduled"
    job.updated_at = now
    session.flush()
    return job


def finish(session: Session, order_id: str, job_id: str, outcome: str, now: datetime
           ) -> ActivationJob:
    """The porting desk's outcome of a job. Completed ports the order (the usual status move,
    with its event and deliveries); failed leaves the order as it is, and the user may
    activate again."""
    if outcome not in rules.DESK_OUTCOMES:
        raise InvalidRequest("status is 'completed' or 'failed'.", pointer="/status")
    order = require_order(session, order_id, None)
    job = require_job(session, order, job_id)
    if job.status not in LIVE:
        raise TransitionRefused(f"Activation job {job.id} is already '{job.status}'.",
                                pointer="/status")
    job.status = outcome
    job.updated_at = now
    session.flush()
    if outcome == JobStatus.COMPLETED:
        set_status(session, order.id, str(OrderStatus.PORTED), [], None, now)
    return job


def port_closed_orders(db: Database, now: datetime) -> int:
    """Port every foc-date-confirmed order whose FOC-day activation window closed before `now`
    and that has no live job (the desk is on those). Each in its own transaction; the
    order's version column makes the move exactly-once across workers: a second worker's
    UPDATE matches no row, raises StaleDataError and rolls back. Returns how many it ported."""
    ported = 0
    with db.reading() as session:
        candidates = store.confirmed_with_foc_before(session, now, BATCH)
    for order_id in candidates:
        try:
            with db.writing() as session:
                order = order_store.get_order(session, order_id, None)
                if (order is None or order.status != OrderStatus.FOC_DATE_CONFIRMED
                        or order.foc_datetime_actual is None
                        or store.live_job(session, order.id, LIVE) is not None
                        or now < foc.activation_close(session, order,
                                                      order.foc_datetime_actual)):
                    continue
                set_status(session, order.id, str(OrderStatus.PORTED), [], None, now)
            ported += 1
        except StaleDataError:
            log.info("porting order %s was ported by another worker", order_id)
    return ported
