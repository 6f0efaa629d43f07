"""Uploaded materials of a case (网上办): the files an applicant sent with an online application."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.db import UTCDateTime
from queue_server.extensions import db


class CaseFile(db.Model):
    """One uploaded file of a case's material, stored outside the web root under a random name."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # The item's material it stands for, or a line of the supplement notice (一次性告知).
    material: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(200))
    # The file's name in UPLOAD_DIR (<case_no>/<random>.<ext>): never chosen by the applicant.
    stored_name: Mapped[str] = mapped_column(String(120), unique=True)
    # From the file's content (magic bytes), not from its name: application/pdf, image/jpeg, image/png.
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when the application or its supplement goes to pre-review; until then the applicant may remove it.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
