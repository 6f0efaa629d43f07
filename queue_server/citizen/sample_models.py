"""示例文本: a sample file (PDF or image) per material of an item, uploaded in the console, public."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.db import UTCDateTime
from queue_server.extensions import db

if TYPE_CHECKING:
    from queue_server.accounts.models import User
    from queue_server.citizen.models import ServiceItem


class MaterialSample(db.Model):
    """The sample of one material (by its name) of an item; kept in the database with its bytes."""

    __tablename__ = "material_samples"
    __table_args__ = (
        UniqueConstraint("service_id", "material", name="uq_material_samples_service_material"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    # The material's name: a material keeps its sample from version to version while its name stays.
    material: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[ServiceItem] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
