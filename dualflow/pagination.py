"""Pagination done in SQL: one count query and one page query, whatever the table size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from sqlalchemy import func, select
from sqlmodel import Session

from dualflow.integers import MAX_INTEGER


@dataclass
class Page:
    """One page of results with what the pager needs."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages, at least one."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether a previous page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """1-based index of the first item on this page (0 when empty)."""
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        """1-based index of the last item on this page."""
        return min(self.total, self.page * self.per_page)


def requested_page() -> int:
    """The `page` query argument, clamped to a positive integer."""
    try:
        return min(max(1, int(request.args.get("page", 1))), MAX_INTEGER)
    except (TypeError, ValueError):
        return 1


def paginate(session: Session, statement, *, page: int | None = None, per_page: int | None = None,
             scalars: bool = True) -> Page:
    """Run `statement` for one page and count its total rows."""
    page = page or requested_page()
    per_page = per_page or current_app.config["PAGE_SIZE"]
    total = session.execute(
        select(func.count()).select_from(statement.order_by(None).subquery())
    ).scalar_one()
    page = min(page, max(1, math.ceil(total / per_page)))
    query = statement.limit(per_page).offset((page - 1) * per_page)
    result = session.execute(query)
    items = list(result.scalars()) if scalars else list(result.all())
    return Page(items=items, total=total, page=page, per_page=per_page)
