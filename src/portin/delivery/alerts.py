"""Telling an organization about a destination's health (failing, disabled, recovered), by
email: to its email channels, or the people who sign in to its portal. Never through the
destination the alert is about, so a dead webhook cannot swallow the news of its own death.

Alerts are rows written with the health change (see `delivery_queue`); the scheduler sends the
waiting ones each tick. Each is leased while it is sent, so two schedulers send it once; one
that cannot be sent is tried again later, in growing pauses, and never dropped.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from portin.config import Settings, public_base_url
from portin.delivery.email import TEMPLATES, EmailSender, RenderedEmail
from portin.domain.retry import Outcome
from portin.domain.timefmt import iso, utcnow
from portin.storage import destinations as store
from portin.storage.db import Database

log = logging.getLogger(__name__)

_text_env = Environment(loader=FileSystemLoader(TEMPLATES / "alerts"), autoescape=False,
                        undefined=StrictUndefined, keep_trailing_newline=True)
_html_env = Environment(loader=FileSystemLoader(TEMPLATES / "alerts"),
                        autoescape=select_autoescape(["html"]), undefined=StrictUndefined)

BATCH = 20
LEASE_SECONDS = 120
# A failed send waits this long times its attempts, up to an hour.
RETRY_STEP_SECONDS = 30
RETRY_MAX_SECONDS = 3600


@dataclass(frozen=True)
class Outgoing:
    alert_id: str
    recipients: list[str]
    email: RenderedEmail


def render(context: dict[str, object]) -> RenderedEmail:
    subject = " ".join(_text_env.get_template("destination.subject.txt")
                       .render(**context).split())
    return RenderedEmail(subject, _text_env.get_template("destination.txt").render(**context),
                         _html_env.get_template("destination.html")
                         .render(subject=subject, **context))


def _take(db: Database, settings: Settings, now: datetime) -> list[Outgoing]:
    """Lease the waiting alerts and render them; an alert with nobody to tell is closed."""
    taken: list[Outgoing] = []
    with db.writing() as session:
        for item in store.lease_unsent_alerts(session, now, LEASE_SECONDS, BATCH):
            alert, destination = item.alert, item.destination
            recipients = store.alert_recipients(session, alert.organization_id,
                                                exclude=destination.destination)
            if not recipients:
                alert.sent_at, alert.recipients = now, []
                alert.last_error = "no email channel or portal user to tell"
                continue
            facts = alert.facts
            since = (datetime.fromisoformat(facts["failing_since"])
                     if facts.get("failing_since") else None)
            disable_at = (since + timedelta(seconds=settings.endpoint_disable_after_seconds)
                          if since is not None else None)
            taken.append(Outgoing(alert.id, recipients, render({
                "kind": alert.kind, "method": destination.method,
                "destination": destination.destination, "destination_id": destination.id,
                "failures": facts.get("failures", 0), "failing_since": iso(since) or "",
                "disable_at": iso(disable_at) or "", "last_error": facts.get("last_error"),
                "reason": facts.get("reason") or "",
                "portal_url": public_base_url(settings).rstrip("/") + "/portal/deliveries"})))
    return taken


async def send_waiting_alerts(db: Database, settings: Settings, sender: EmailSender) -> int:
    """Send what is waiting; returns how many alerts went out. Blocking database work runs
    in a thread."""
    outgoing = await asyncio.to_thread(_take, db, settings, utcnow())
    sent = 0
    for item in outgoing:
        errors = []
        for to in item.recipients:
            result = await sender.send(to, item.email, item.alert_id)
            if result.outcome != Outcome.DELIVERED:
                errors.append(f"{to}: {result.error}")
        await asyncio.to_thread(_settle, db, item, errors, utcnow())
        sent += not errors
    return sent


def _settle(db: Database, item: Outgoing, errors: list[str], now: datetime) -> None:
    with db.writing() as session:
        alert = store.get_alert(session, item.alert_id)
        if alert is None:
            return
        if not errors:
            alert.sent_at, alert.recipients, alert.lease_until = now, item.recipients, None
            alert.last_error = None
            return
        # Tried again later, all of it: a recipient told twice beats one never told.
        alert.last_error = "; ".join(errors)[:1000]
        alert.lease_until = now + timedelta(
            seconds=min(RETRY_MAX_SECONDS, RETRY_STEP_SECONDS * alert.attempts))
        log.warning("a destination alert could not be sent (attempt %d); trying again later",
                    alert.attempts)
