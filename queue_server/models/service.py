"""The 五办 item list (政务服务事项) with each item's modes, limits, materials and guide."""

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.extensions import db
from queue_server.models.hall import Department


class ServiceItem(db.Model):
    """A permit or public service a hall handles."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    # Code of the comprehensive-window queue that takes it in, the same code in every hall.
    queue_code: Mapped[str] = mapped_column(String(32))
    modes: Mapped[list[str]] = mapped_column(JSON)
    legal_days: Mapped[int]
    promised_days: Mapped[int]
    # [{name, form: original|copy|original_and_copy, count, required, deferrable, note}]
    materials: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # 办事指南: conditions, basis, fee, visits, place, hours, result, delivery, notes
    guide: Mapped[dict] = mapped_column(JSON, default=dict)
    # 主题式服务 (一件事): the codes of the items it bundles; empty for a single item.
    parts: Mapped[list[str]] = mapped_column(JSON, default=list)

    department: Mapped[Department] = relationship()
