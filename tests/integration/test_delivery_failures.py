"""One delivery that cannot be prepared or sent is its own failed attempt, retried and then
failed; the other deliveries of its batch go out as usual."""

from __future__ import annotations

from typing import Any

import pytest

from portin.config import Settings
from portin.delivery.email import EmailSender
from portin.domain.events import EventType
from portin.domain.timefmt import utcnow
from portin.services.events import record
from portin.storage import orders as order_store
from portin.storage.db import Database
from tests.conftest import Api
from tests.support import waiting
from tests.support.smtp import Inbox
from tests.support.worker import running_worker


def wait_for(condition: Any, timeout: float = 20.0) -> Any:
    return waiting.wait_for(condition, timeout)


def test_an_email_that_cannot_be_rendered_fails_alone_after_its_attempts(
        api: Api, db: Database, settings: Settings, smtp: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp
    api.subscribe("email", "desk@example.com")
    order = api.create_order("+13032220001")
    with db.writing() as session:
        stored = order_store.get_order(session, order["id"], None)
        assert stored is not None
        # A payload its email template cannot render (no comment), beside good events.
        record(session, stored, EventType.NEW_COMMENT, {"id": order["id"]}, utcnow())
    worker_settings = settings.model_copy(update={
        "smtp_url": smtp_url, "retry_base_seconds": 0.05, "retry_max_attempts": 3})
    with running_worker(db, worker_settings):
        api.confirm(order["id"])
        wait_for(lambda: len(inbox.messages) >= 1)
        deliveries = wait_for(lambda: (lambda ds: ds if all(
            d["status"] != "pending" for d in ds) and len(ds) >= 2 else None)(api.deliveries()))
    unrenderable = "porting_order.new_comment"
    bad = [d for d in deliveries if d["webhook"]["event_type"] == unrenderable]
    good = [d for d in deliveries if d["webhook"]["event_type"] != unrenderable]
    assert good and all(d["status"] == "delivered" for d in good)
    (failed,) = bad
    assert failed["status"] == "failed"
    assert len(failed["attempts"]) == 3
    for attempt in failed["attempts"]:
        assert attempt["error"].startswith("the email could not be rendered: UndefinedError")
        assert "Traceback" not in attempt["error"]


def test_a_send_that_raises_unexpectedly_is_a_failed_attempt_retried_then_failed(
        api: Api, db: Database, settings: Settings, smtp: tuple[Inbox, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The SMTP client raising something nobody expected (patched at the edge) for one
    destination; the other destination's emails are delivered."""
    inbox, smtp_url = smtp
    real_send = EmailSender.send

    async def send(self: EmailSender, to: str, email: Any, event_id: str) -> Any:
        if to == "broken@example.com":
            raise RuntimeError("password=hunter2 in a message that must not be stored")
        return await real_send(self, to, email, event_id)

    monkeypatch.setattr(EmailSender, "send", send)
    api.subscribe("email", "desk@example.com")
    api.subscribe("email", "broken@example.com")
    order = api.create_order("+13032220001")
    worker_settings = settings.model_copy(update={
        "smtp_url": smtp_url, "retry_base_seconds": 0.05, "retry_max_attempts": 2})
    with running_worker(db, worker_settings):
        api.confirm(order["id"])
        deliveries = wait_for(lambda: (lambda ds: ds if len(ds) >= 2 and all(
            d["status"] != "pending" for d in ds) else None)(api.deliveries()))
    by_destination = {d["destination"]: d for d in deliveries}
    assert by_destination["desk@example.com"]["status"] == "delivered"
    assert len(inbox.messages) == 1
    broken = by_destination["broken@example.com"]
    assert broken["status"] == "failed"
    assert [a["error"] for a in broken["attempts"]] == [
        "the email send failed unexpectedly: RuntimeError"] * 2
