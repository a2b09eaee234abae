"""Queries over porting_order_sharing_tokens: one token, and the expired ones whose expiry is
not yet recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from portin.storage.models import PortingOrderSharingToken


def get_token(session: Session, token_id: str) -> PortingOrderSharingToken | None:
    return session.get(PortingOrderSharingToken, token_id)


def expired_unrecorded_ids(session: Session, now: datetime, limit: int) -> list[str]:
    """Tokens past their expiry whose porting_order.sharing_token_expired is not written yet,
    soonest expired first."""
    return list(session.execute(
        select(PortingOrderSharingToken.id)
        .where(PortingOrderSharingToken.expiry_recorded_at.is_(None),
               PortingOrderSharingToken.expires_at <= now)
        .order_by(PortingOrderSharingToken.expires_at, PortingOrderSharingToken.id)
        .limit(limit)).scalars())


def mark_expiry_recorded(session: Session, token_id: str, now: datetime) -> bool:
    """Mark one expired token as recorded, unless another worker already did: True when this
    transaction marked it (on PostgreSQL a racing worker waits for the row, then matches
    nothing)."""
    result = session.execute(
        update(PortingOrderSharingToken)
        .where(PortingOrderSharingToken.id == token_id,
               PortingOrderSharingToken.expiry_recorded_at.is_(None),
               PortingOrderSharingToken.expires_at <= now)
        .values(expiry_recorded_at=now)
        .execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def tokens_of_order(session: Session, organization_id: str, porting_order_id: str
                    ) -> list[PortingOrderSharingToken]:
    """An order's sharing tokens, newest first."""
    return list(session.execute(
        select(PortingOrderSharingToken).where(
            PortingOrderSharingToken.organization_id == organization_id,
            PortingOrderSharingToken.porting_order_id == porting_order_id)
        .order_by(PortingOrderSharingToken.created_at.desc(), PortingOrderSharingToken.id)
    ).scalars())
