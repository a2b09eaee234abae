"""Drafts not submitted within the TTL are deleted, each exactly once across all workers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm.exc import StaleDataError

from portin.services.orders import delete_draft
from portin.storage import orders as order_store
from portin.storage.db import Database

log = logging.getLogger(__name__)

BATCH = 100


def expire_drafts(db: Database, ttl_seconds: int, now: datetime) -> int:
    """Delete every draft created more than `ttl_seconds` ago; return how many this call did.

    Each draft is deleted in its own transaction. The order's version column makes the delete
    conditional, so when two workers race for one draft the loser's UPDATE matches no row,
    raises StaleDataError and rolls back: one deletion, one porting_order.deleted event.
    """
    cutoff = now - timedelta(seconds=ttl_seconds)
    deleted = 0
    while True:
        with db.reading() as session:
            candidates = order_store.expired_draft_ids(session, cutoff, BATCH)
        if not candidates:
            return deleted
        for order_id in candidates:
            try:
                with db.writing() as session:
                    order = order_store.get_order(session, order_id, None)
                    if order is None or order.status != "draft":
                        continue
                    delete_draft(session, order, now)
                deleted += 1
            except StaleDataError:
                log.info("draft %s was deleted by another worker", order_id)
        if len(candidates) < BATCH:
            return deleted
