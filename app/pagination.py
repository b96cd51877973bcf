"""One way to page through lists: parse the page number, count, slice, and tell templates what links to show."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort

from app.extensions import db

MAX_PAGE = 10_000


def parse_page(value, default=1):
    """Return the page number from a query-string value; refuse absurd ones (not a number, < 1, > 10,000) with 400."""
    if value is None or value == "":
        return default
    try:
        page = int(value)
    except (TypeError, ValueError):
        abort(400)
    if not 1 <= page <= MAX_PAGE:
        abort(400)
    return page


@dataclass
class Page:
    """One page of `total` items, `per_page` at a time; `page` counts from 1."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self):
        """The number of pages, at least 1 (an empty list still has one, empty, page)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self):
        """Tell whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self):
        """Tell whether a page comes after this one."""
        return self.page < self.pages

    @property
    def prev_num(self):
        """The previous page's number, or None on the first page."""
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self):
        """The next page's number, or None on the last page."""
        return self.page + 1 if self.has_next else None


def paginate(select_statement, page, per_page):
    """Run `select_statement` for one page: count every row, then fetch the page's rows with offset and limit."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(select_statement.order_by(None).subquery()))
    items = db.session.scalars(select_statement.offset((page - 1) * per_page).limit(per_page)).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def paginate_list(items, page, per_page):
    """Return one page of an in-memory list."""
    items = list(items)
    return Page(items=items[(page - 1) * per_page: page * per_page], page=page, per_page=per_page, total=len(items))
