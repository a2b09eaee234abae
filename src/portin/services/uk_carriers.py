"""UK carriers: loaded by the porting desk (API or CSV), listed to every organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain.errors import NotFound
from portin.domain.ids import new_id
from portin.domain.uk_carriers import CarrierEntry
from portin.storage import uk_carriers as store
from portin.storage.models import UkCarrier


@dataclass(frozen=True)
class LoadResult:
    carriers: list[UkCarrier]
    created: int
    updated: int


def upsert(session: Session, entries: list[CarrierEntry], now: datetime) -> LoadResult:
    """Each entry creates the carrier of its CUPID or updates it (name, alternative CUPIDs;
    its id and created_at stay). Entries are checked already (domain.uk_carriers)."""
    store.lock_for_writes(session)
    existing = store.by_cupids(session, (entry.cupid for entry in entries))
    carriers: list[UkCarrier] = []
    created = 0
    for entry in entries:
        row = existing.get(entry.cupid)
        if row is None:
            row = UkCarrier(id=new_id(), cupid=entry.cupid, created_at=now)
            store.add(session, row)
            existing[entry.cupid] = row
            created += 1
        row.name = entry.name
        row.alternative_cupids = list(entry.alternative_cupids)
        row.updated_at = now
        carriers.append(row)
    session.flush()
    return LoadResult(carriers, created, len(entries) - created)


def list_carriers(session: Session) -> list[UkCarrier]:
    return store.list_carriers(session)


def delete(session: Session, carrier_id: str) -> UkCarrier:
    store.lock_for_writes(session)  # before the read: a concurrent delete has committed
    row = store.get_carrier(session, carrier_id)
    if row is None:
        raise NotFound(f"There is no UK carrier {carrier_id!r}.")
    store.delete_carrier(session, row)
    return row
