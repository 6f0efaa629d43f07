"""Staff users with their roles and their hall and department scope."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from queue_server.db import UTCDateTime
from queue_server.extensions import db
from queue_server.models.hall import Department, Hall

ROLES = ("clerk", "approver", "supervisor", "admin", "agent")


class User(UserMixin, db.Model):
    """A member of staff: window clerk, approver, supervisor, agent or administrator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Bearer tokens and sessions carry the version they were issued at; any change of the password,
    # roles, scope or active flag (and a logout) raises it, which revokes them (queue_server/auth.py).
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

    def record(self) -> "User":
        """Return the ORM row itself (a token's ``Principal`` loads it): for operations that link users."""
        return self

    def has_role(self, *roles: str) -> bool:
        """Tell whether the user holds any of the roles (admin holds them all)."""
        return "admin" in self.roles or any(role in self.roles for role in roles)
