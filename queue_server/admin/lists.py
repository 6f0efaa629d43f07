"""How the console's lists are searched and paged: one page of rows and the whole list's count."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select

from queue_server.extensions import db


@dataclass(frozen=True)
class Page:
    """One page of a list and the number of rows the whole list holds."""

    items: list
    total: int


def escape_like(text: str) -> str:
    """Escape LIKE's wildcards (with ``\\``) so the text matches as written."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def containing(text: str, *columns) -> ColumnElement[bool]:
    """Match rows where any of the columns contains the text, ignoring case."""
    pattern = f"%{escape_like(text)}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def page_of(stmt, query, *order) -> Page:
    """Run the statement for the query's page (``limit``, ``offset``) in this order, with the total."""
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(*order).limit(query.limit).offset(query.offset)).all()
    return Page(list(rows), total)
