"""One delivery that fails to prepare or send never holds up the rest, with emails and webhooks
mixed in one batch: an email whose payload its template cannot render, a webhook whose sender
raises. (test_delivery_failures.py: an event type without templates, an email send that
raises.) Real worker, real SMTP server, real webhook receiver."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portin.config import Settings
from portin.delivery import webhook
from portin.domain import events as payloads
from portin.domain.events import EventType
from portin.domain.timefmt import utcnow
from portin.services import orders as order_service
from portin.services.events import facts, record
from portin.storage.db import Database
from portin.storage.models import Delivery, DeliveryAttempt
from tests.conftest import Api
from tests.support.receiver import Receiver
from tests.support.smtp import Inbox
from tests.support.worker import running_worker

MAX_ATTEMPTS = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"retry_max_attempts": MAX_ATTEMPTS})


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def deliveries(db: Database) -> list[Delivery]:
    with db.reading() as session:
        rows = list(session.execute(select(Delivery)).scalars())
        session.expunge_all()
        return rows


def attempts_of(db: Database, delivery_id: str) -> list[DeliveryAttempt]:
    with db.reading() as session:
        rows = list(session.execute(select(DeliveryAttempt).where(
            DeliveryAttempt.delivery_id == delivery_id).order_by(DeliveryAttempt.attempt))
            .scalars())
        session.expunge_all()
        return rows


def settled(db: Database) -> bool:
    rows = deliveries(db)
    return bool(rows) and all(row.status != "pending" for row in rows)


def comments(db: Database, organization_id: str, bodies: list[str],
             broken: int | None = None) -> list[str]:
    """One comment event per body, in one transaction (so the worker claims them as one
    batch); the event at index `broken` has a payload its email template cannot render."""
    with db.writing() as session:
        order = order_service.create_order(session, organization_id, ["+13032220001"],
                                           "isolation", None, utcnow())
        ids = []
        for index, body in enumerate(bodies):
            now = utcnow()
            payload = payloads.new_comment(facts(order), f"c{index}", body, now, None, "admin")
            if index == broken:
                del payload["comment"]  # the new_comment templates need it
            ids.append(record(session, order, EventType.NEW_COMMENT, payload, now))
        return ids


def test_an_email_that_cannot_be_rendered_fails_alone(
        api: Api, db: Database, settings: Settings, smtp: tuple[Inbox, str],
        receiver: Receiver) -> None:
    inbox, smtp_url = smtp
    subscription = api.subscribe("email", "ops@example.com")
    api.subscribe("webhook", receiver.url("/hook"), subscription["profile_id"])
    event_ids = comments(db, api.tenant.organization_id, [f"comment {i}" for i in range(5)],
                         broken=2)
    with running_worker(db, settings.model_copy(update={"smtp_url": smtp_url})):
        wait_until(lambda: settled(db), "every delivery to settle")
    by_event_and_method = {(row.event_id, row.method): row for row in deliveries(db)}
    broken = by_event_and_method[(event_ids[2], "email")]
    assert broken.status == "failed"
    attempts = attempts_of(db, broken.id)
    assert [a.attempt for a in attempts] == list(range(1, MAX_ATTEMPTS + 1))
    assert all(a.status == "failed" for a in attempts)
    assert all(a.error and a.error.startswith("the email could not be rendered: UndefinedError")
               for a in attempts), attempts[0].error
    # Retried on the schedule (base 0.05 s, doubling), not at once and not after a lease.
    assert attempts[1].started_at - attempts[0].finished_at >= timedelta(seconds=0.02)
    # Everything else of the batch went out, once each.
    others = [row for key, row in by_event_and_method.items() if row is not broken]
    assert len(others) == 9
    assert all(row.status == "delivered" and row.attempt_count == 1 for row in others)
    assert len(inbox.messages) == 4
    assert len(receiver.at("/hook")) == 5


def test_a_send_that_raises_unexpectedly_fails_alone(
        api: Api, db: Database, settings: Settings, receiver: Receiver,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The sender raising something it does not catch itself (a bug, say), for one
    destination only: the edge of the world is the HTTP client, replaced for that one."""
    subscription = api.subscribe("webhook", receiver.url("/good"))
    api.subscribe("webhook", receiver.url("/bad"), subscription["profile_id"])
    real_send = webhook.WebhookSender.send

    async def send(self: webhook.WebhookSender, url: str, *args: Any) -> Any:
        if url.endswith("/bad"):
            raise RuntimeError("the client broke")
        return await real_send(self, url, *args)

    monkeypatch.setattr(webhook.WebhookSender, "send", send)
    comments(db, api.tenant.organization_id, ["one", "two", "three"])
    with running_worker(db, settings):
        wait_until(lambda: settled(db), "every delivery to settle")
    rows = deliveries(db)
    bad = [row for row in rows if row.destination.endswith("/bad")]
    good = [row for row in rows if row.destination.endswith("/good")]
    assert len(bad) == 3 and len(good) == 3
    assert all(row.status == "failed" and row.attempt_count == MAX_ATTEMPTS for row in bad)
    for row in bad:
        errors = [a.error for a in attempts_of(db, row.id)]
        assert len(errors) == MAX_ATTEMPTS
        assert errors == ["the webhook send failed unexpectedly: RuntimeError"] * MAX_ATTEMPTS
    assert all(row.status == "delivered" for row in good)
    assert len(receiver.at("/good")) == 3
