"""Periodic jobs, each tick: deleting drafts not submitted within the TTL, porting
foc-date-confirmed orders whose FOC-day activation window closed without an activation,
recording the expiry of sharing tokens (porting_order.sharing_token_expired, once per token),
building the porting reports that are waiting, sending the destination health alerts that
are waiting (delivery/alerts.py), and, every `retention_interval_seconds`, a retention pass
(on PostgreSQL the partitions first, services/partitions.py; then services/retention.py)."""

from __future__ import annotations

import asyncio
import logging
import time

from portin.config import Settings
from portin.delivery.alerts import send_waiting_alerts
from portin.delivery.email import EmailSender
from portin.domain.timefmt import utcnow
from portin.services.activation import port_closed_orders
from portin.services.drafts import expire_drafts
from portin.services.partitions import keep_partitions
from portin.services.reports import build_pending_reports
from portin.services.retention import prune
from portin.services.sharing import record_expiries
from portin.storage.db import Database
from portin.worker.outage import OutageBackoff

log = logging.getLogger(__name__)


async def run_scheduler(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    """Run every interval until `stop` is set. A failing tick is logged and retried later;
    while the database cannot be reached, in growing pauses (logged once)."""
    outage = OutageBackoff(log, "draft scheduler")
    alert_sender = EmailSender(settings.smtp_url, settings.email_from,
                               settings.delivery_timeout_seconds)
    retention = RetentionClock(settings.retention_interval_seconds)
    while not stop.is_set():
        try:
            await asyncio.to_thread(run_jobs, db, settings)
            if retention.due():
                await asyncio.to_thread(run_retention, db, settings, retention)
            await send_waiting_alerts(db, settings, alert_sender)
            outage.succeeded()
        except Exception as exc:
            if not outage.failed(exc):
                log.exception("a scheduled job failed; trying again next tick")
        # In an outage, the growing pause once it is longer than a tick: never more often.
        pause = max(settings.scheduler_interval_seconds, outage.pause or 0.0)
        try:
            await asyncio.wait_for(stop.wait(), timeout=pause)
        except TimeoutError:
            pass


def run_jobs(db: Database, settings: Settings) -> None:
    """One tick's jobs, in order; each is exactly once across workers on its own."""
    deleted = expire_drafts(db, settings.draft_ttl_seconds, utcnow())
    if deleted:
        log.info("deleted %d expired draft(s)", deleted)
    ported = port_closed_orders(db, utcnow())
    if ported:
        log.info("ported %d order(s) whose activation window closed", ported)
    expired = record_expiries(db, utcnow())
    if expired:
        log.info("recorded the expiry of %d sharing token(s)", expired)
    build_pending_reports(db, utcnow())


class RetentionClock:
    """When the next retention pass is due: at once after start, then every interval; on the
    next tick while the last pass ran out of budget with old rows left."""

    def __init__(self, interval_seconds: float) -> None:
        self.interval_seconds = interval_seconds
        self.next_at = time.monotonic()

    def due(self) -> bool:
        return time.monotonic() >= self.next_at

    def ran(self, more_left: bool) -> None:
        self.next_at = time.monotonic() + (0.0 if more_left else self.interval_seconds)


def run_retention(db: Database, settings: Settings, clock: RetentionClock) -> None:
    # A failed pass is not marked as run: the next tick tries again.
    kept = keep_partitions(db, utcnow(), settings.delivery_retention_days)
    if kept.created or kept.dropped:
        log.info("retention created partitions %s, dropped %s (%d delivery(ies) moved out of"
                 " the default partition)", kept.created, kept.dropped, kept.moved)
    pruned = prune(db, utcnow(), settings.delivery_retention_days, settings.event_retention_days)
    clock.ran(pruned.more_left)
    if pruned.deliveries or pruned.events:
        log.info("retention deleted %d delivery(ies), %d attempt(s), %d event(s) in %d batch(es)",
                 pruned.deliveries, pruned.attempts, pruned.events, pruned.batches)
