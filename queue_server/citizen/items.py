"""The 五办 item list: search it, and find an item with its guide (办事指南)."""

from sqlalchemy import or_, select

from queue_server.citizen.models import ServiceItem
from queue_server.errors import NotFound
from queue_server.extensions import db
from queue_server.queue.models import Department


def find_services(mode: str | None = None, department: str | None = None, q: str | None = None) -> list[ServiceItem]:
    """List the items matching a mode, a department code and a name or code fragment."""
    stmt = select(ServiceItem).join(ServiceItem.department).order_by(ServiceItem.code)
    if department:
        stmt = stmt.where(Department.code == department)
    if q:
        stmt = stmt.where(or_(ServiceItem.name.contains(q, autoescape=True), ServiceItem.code.contains(q, autoescape=True)))
    items = db.session.scalars(stmt).all()
    # modes is a JSON list; filtering it in Python keeps one query for SQLite and PostgreSQL alike.
    return [item for item in items if mode is None or mode in item.modes]


def get_service(code: str) -> ServiceItem:
    """Return the item with this code, or answer 404."""
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if item is None:
        raise NotFound(f"事项不存在：{code}", {"service": code})
    return item
