"""Page-number paging over any SELECT: one COUNT and one LIMIT/OFFSET query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    number: int = 1
    size: int = 20

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    request: PageRequest

    @property
    def total_pages(self) -> int:
        # An empty result is still "page 1 of 1" for clients that page until current >= total.
        return max(1, -(-self.total // self.request.size))

    def meta(self) -> dict[str, int]:
        return {
            "page_number": self.request.number,
            "page_size": self.request.size,
            "total_pages": self.total_pages,
            "total_results": self.total,
        }


def count_rows(session: Session, stmt: Select[Any]) -> int:
    """COUNT(*) of a SELECT's rows, without its ORDER BY."""
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    return int(session.execute(counted).scalar_one())
