"""Remembered answers of POST requests sent with an Idempotency-Key (queue_server/idempotency.py)."""

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.db import UTCDateTime
from queue_server.extensions import db


class IdempotencyKey(db.Model):
    """One client's key, the request it named (fingerprint) and the answer it got.

    Written in the same transaction as the request's own changes, so a key exists exactly when
    those changes were committed; ``expires_at`` ends the promise to answer repeats (24 hours).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("client", "key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(80))  # "user:<id>" or "addr:<address>"
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path, query and body
    status: Mapped[int]
    content_type: Mapped[str | None] = mapped_column(String(120))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
