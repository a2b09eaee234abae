"""Queries over the UK carriers table (shared by every organization)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portin.storage.models import UkCarrier


def lock_for_writes(session: Session) -> None:
    """Writers of this table take turns, so two upserts of one new CUPID cannot both insert
    it (which would be a unique violation). SQLite's write transactions take turns already;
    on PostgreSQL readers are not held up."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE uk_carriers IN SHARE ROW EXCLUSIVE MODE"))


def list_carriers(session: Session) -> list[UkCarrier]:
    """Every carrier, by name then CUPID."""
    return list(session.execute(
        select(UkCarrier).order_by(UkCarrier.name, UkCarrier.cupid)).scalars())


def get_carrier(session: Session, carrier_id: str) -> UkCarrier | None:
    return session.get(UkCarrier, carrier_id)


def by_cupids(session: Session, cupids: Iterable[str]) -> dict[str, UkCarrier]:
    """The carriers with these CUPIDs, by CUPID."""
    wanted = list(cupids)
    if not wanted:
        return {}
    rows = session.execute(select(UkCarrier).where(UkCarrier.cupid.in_(wanted))).scalars()
    return {row.cupid: row for row in rows}


def add(session: Session, carrier: UkCarrier) -> None:
    session.add(carrier)


def delete_carrier(session: Session, carrier: UkCarrier) -> None:
    session.delete(carrier)
    session.flush()
