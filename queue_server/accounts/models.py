"""Staff users with their roles and their hall and department scope.

The audit log: an append-only record of who changed what, when, from what to what.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from queue_server.calendar import clock
from queue_server.db import UTCDateTime
from queue_server.extensions import db

if TYPE_CHECKING:  # the other domains' models, named in relationships by class name
    from queue_server.queue.models import Department, Hall

ROLES = ("clerk", "approver", "supervisor", "admin", "agent", "hall_admin", "consultant")


class User(UserMixin, db.Model):
    """A member of staff: window clerk, approver, supervisor, agent or administrator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    # 工号: the employee number the evaluator shows with the name and photo (optional, unique).
    employee_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    # When the photo (StaffPhoto) was last set: None without one; it versions the photo's address.
    photo_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Bearer tokens and sessions carry the version they were issued at; any change of the password,
    # roles, scope or active flag (and a logout) raises it, which revokes them
    # (queue_server/accounts/auth.py).
    # A password change keeps the one token that made it working: kept_token_id names it.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    kept_token_id: Mapped[str | None] = mapped_column(String(32))
    # Per-account lockout: consecutive failed sign-ins, and the time until which sign-in is refused.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hall: Mapped[Hall | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def get_id(self) -> str:
        """Name the user in the session with the token version, so a revocation ends the session too."""
        return f"{self.id}:{self.token_version or 0}"

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def record(self) -> User:
        """Return the ORM row itself (a token's ``Principal`` loads it): for operations that link users."""
        return self

    def has_role(self, *roles: str) -> bool:
        """Tell whether the user holds any of the roles (admin holds them all)."""
        return "admin" in self.roles or any(role in self.roles for role in roles)


class StaffPhoto(db.Model):
    """A user's photo as the evaluator shows it: a bounded JPEG re-encoded from the upload."""

    __tablename__ = "staff_photos"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(db.Model):
    """One recorded change of ``object`` (e.g. ``user:clerk1``); rows are only ever added."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object_at", "object", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system itself
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    # The hall the change concerns (None: the installation, e.g. a department): its hall admin reads it.
    # No foreign key: the log outlives what it names (object too is text).
    hall_id: Mapped[int | None] = mapped_column(index=True)

    actor: Mapped[User | None] = relationship()

    @classmethod
    def append(
        cls, actor, action: str, obj: str, before: dict | None, after: dict | None, hall_id: int | None = None
    ) -> AuditEntry:
        """Add an entry for a change made by ``actor`` (flushed with the change it records)."""
        entry = cls(
            at=clock.now(),
            actor_id=actor.id if actor is not None else None,
            action=action,
            object=obj,
            before=before,
            after=after,
            hall_id=hall_id,
        )
        db.session.add(entry)
        return entry


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(_mapper, _connection, _target) -> None:
    raise RuntimeError("audit_log is append-only")
