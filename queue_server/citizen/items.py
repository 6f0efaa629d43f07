"""The 五办 item list: search it, and find an item with its guide (办事指南).

The public sees each item's newest published version in effect today; a draft never published is
not public. A case follows the version it was created under (``terms_of``).
"""

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload

from queue_server.calendar import clock
from queue_server.citizen.models import CONTENT_COLUMNS, ServiceContent, ServiceItem, ServiceVersion
from queue_server.errors import NotFound
from queue_server.extensions import db
from queue_server.queue.models import Department


def in_effect_stmt(day: date | None = None):
    """Select every item's version in effect on the day (today): the newest one effective by then."""
    newer = aliased(ServiceVersion)
    newest = (
        select(func.max(newer.number))
        .where(newer.service_id == ServiceVersion.service_id, newer.effective <= (day or clock.today()))
        .scalar_subquery()
    )
    return (
        select(ServiceVersion)
        .join(ServiceVersion.item)
        .where(ServiceVersion.number == newest)
        .options(joinedload(ServiceVersion.item), joinedload(ServiceVersion.department))
    )


def find_services(
    mode: str | None = None, department: str | None = None, q: str | None = None
) -> list[ServiceVersion]:
    """List the published items matching a mode, a department code and a name or code fragment."""
    stmt = (
        in_effect_stmt()
        .join(Department, ServiceVersion.department_id == Department.id)
        .order_by(ServiceItem.code)
    )
    if department:
        stmt = stmt.where(Department.code == department)
    if q:
        stmt = stmt.where(
            or_(
                ServiceVersion.name.contains(q, autoescape=True),
                ServiceItem.code.contains(q, autoescape=True),
            )
        )
    items = db.session.scalars(stmt).unique().all()
    # modes is a JSON list; filtering it in Python keeps one query for SQLite and PostgreSQL alike.
    return [item for item in items if mode is None or mode in item.modes]


def in_effect(item: ServiceItem, day: date | None = None) -> ServiceVersion | None:
    """Return the item's version in effect on the day (today), or None when none is."""
    stmt = in_effect_stmt(day).where(ServiceVersion.service_id == item.id)
    return db.session.scalars(stmt).unique().first()


def get_service(code: str) -> ServiceVersion:
    """Return the published item with this code as in effect today, or answer 404."""
    version = db.session.scalars(in_effect_stmt().where(ServiceItem.code == code)).unique().first()
    if version is None:
        raise NotFound(f"事项不存在：{code}", {"service": code})
    return version


def published_service(code: str) -> ServiceItem | None:
    """Return the item with this code holding its version in effect, or None when it has none.

    The item's columns are brought up to the version in effect first (a version published ahead of
    its date of effect takes over here, on its day).
    """
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if item is None:
        return None
    version = in_effect(item)
    if version is None:
        return None
    if version.number != item.version:
        take_content(item, version)
        item.version = version.number
    return item


def take_content(target: ServiceContent, source: ServiceContent) -> None:
    """Copy an item's content from a version (or to one)."""
    for name in CONTENT_COLUMNS:
        setattr(target, name, getattr(source, name))


def terms_of(case) -> ServiceContent:
    """Return what a case follows: the content of the item's version it was created under."""
    item = case.service
    if case.service_version is None or case.service_version == item.version:
        return item
    version = db.session.scalar(
        select(ServiceVersion).where(
            ServiceVersion.service_id == item.id, ServiceVersion.number == case.service_version
        )
    )
    return version or item
