"""Queries over porting_action_requirements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portin.storage.models import PortingActionRequirement
from portin.storage.paging import Page, PageRequest, count_rows

R = PortingActionRequirement
_SORTS = {
    "created_at": (R.created_at.asc(), R.id.asc()),
    "-created_at": (R.created_at.desc(), R.id.desc()),
    "updated_at": (R.updated_at.asc(), R.id.asc()),
    "-updated_at": (R.updated_at.desc(), R.id.desc()),
}
REQUIREMENT_SORTS = tuple(_SORTS)


@dataclass(frozen=True)
class RequirementFilters:
    organization_id: str
    porting_order_id: str
    ids: tuple[str, ...] = ()
    requirement_type_id: str | None = None
    action_type: str | None = None
    status: str | None = None
    sort: str = "-created_at"


def get_requirement(session: Session, requirement_id: str, order_id: str,
                    organization_id: str | None) -> PortingActionRequirement | None:
    """One requirement of one order; scoped to one organization unless it is None."""
    stmt = select(R).where(R.id == requirement_id, R.porting_order_id == order_id)
    if organization_id is not None:
        stmt = stmt.where(R.organization_id == organization_id)
    return session.execute(stmt).scalar_one_or_none()


def list_requirements(session: Session, filters: RequirementFilters, page: PageRequest
                      ) -> Page[PortingActionRequirement]:
    stmt = select(R).where(R.organization_id == filters.organization_id,
                           R.porting_order_id == filters.porting_order_id)
    if filters.ids:
        stmt = stmt.where(R.id.in_(filters.ids))
    for column, value in ((R.requirement_type_id, filters.requirement_type_id),
                          (R.action_type, filters.action_type), (R.status, filters.status)):
        if value is not None:
            stmt = stmt.where(column == value)
    total = count_rows(session, stmt)
    rows = session.execute(
        stmt.order_by(*_SORTS[filters.sort]).limit(page.size).offset(page.offset)
    ).scalars().all()
    return Page(list(rows), total, page)
