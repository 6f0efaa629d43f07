"""The audit log of administration: every change appended (who, when, what, before, after), and read back.

Entries are only ever added (``AuditEntry`` refuses updates and deletes, and so do the database's
triggers). Each names the hall it concerns, so a hall administrator reads the entries of its hall.
"""

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from queue_server.accounts import policy
from queue_server.accounts.models import AuditEntry, User
from queue_server.admin.lists import Page, escape_like, page_of
from queue_server.calendar import clock


class SystemActor:
    """The installation itself acting (the demo loader): acts everywhere, logged as no user."""

    id = None
    username = None
    name = "系统"
    roles = ("admin",)
    hall_id = None
    department_id = None
    active = True

    def has_role(self, *roles: str) -> bool:
        """Hold every role, as an administrator does."""
        return True

    def record(self) -> None:
        """Name no user row (who published a version, who uploaded a sample: nobody, the system)."""
        return None


SYSTEM = SystemActor()


record = AuditEntry.append


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Keep only the fields that changed, as (before, after)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def _hall_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.hall_tz())


def list_entries(actor, query) -> Page:
    """Return the entries the user may read that match the query, newest first."""
    stmt = select(AuditEntry).where(policy.admin_scope(actor, AuditEntry.hall_id))
    if query.actor:
        stmt = stmt.where(
            AuditEntry.actor_id == select(User.id).where(User.username == query.actor).scalar_subquery()
        )
    if query.object:
        stmt = stmt.where(AuditEntry.object.like(escape_like(query.object) + "%", escape="\\"))
    if query.from_:
        stmt = stmt.where(AuditEntry.at >= _hall_start(query.from_))
    if query.to:
        stmt = stmt.where(AuditEntry.at < _hall_start(query.to + timedelta(days=1)))
    stmt = stmt.options(joinedload(AuditEntry.actor))
    return page_of(stmt, query, AuditEntry.at.desc(), AuditEntry.id.desc())
