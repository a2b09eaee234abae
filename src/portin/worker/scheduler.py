"""Periodic jobs: deleting drafts that were not submitted within the TTL, and porting
foc-date-confirmed orders whose FOC-day activation window closed without an activation."""

from __future__ import annotations

import asyncio
import logging

from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.services.activation import port_closed_orders
from portin.services.drafts import expire_drafts
from portin.storage.db import Database
from portin.worker.outage import OutageBackoff

log = logging.getLogger(__name__)


async def run_scheduler(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    """Run every interval until `stop` is set. A failing tick is logged and retried later;
    while the database cannot be reached, in growing pauses (logged once)."""
    outage = OutageBackoff(log, "draft scheduler")
    while not stop.is_set():
        try:
            deleted = await asyncio.to_thread(
                expire_drafts, db, settings.draft_ttl_seconds, utcnow())
            ported = await asyncio.to_thread(port_closed_orders, db, utcnow())
            outage.succeeded()
            if deleted:
                log.info("deleted %d expired draft(s)", deleted)
            if ported:
                log.info("ported %d order(s) whose activation window closed", ported)
        except Exception as exc:
            if not outage.failed(exc):
                log.exception("a scheduled job failed; trying again next tick")
        # In an outage, the growing pause once it is longer than a tick: never more often.
        pause = max(settings.scheduler_interval_seconds, outage.pause or 0.0)
        try:
            await asyncio.wait_for(stop.wait(), timeout=pause)
        except TimeoutError:
            pass
