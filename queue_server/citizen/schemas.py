"""What the citizen API reads: the item list's filters, bookings (预约) and online applications (网上办)."""

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, StringConstraints

from queue_server.cases.schemas import Applicant, Delivery
from queue_server.validation import ApiDate, Body, Code, Name, Note, Phone, Query, RowId


class ServiceQuery(Query):
    references: ClassVar[dict[str, str]] = {"department": "department"}
    mode: Literal["immediate", "online", "once", "agent", "citywide", "bundle"] | None = None
    department: Code | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None


# --- appointments (预约, docs/appointments.md) ---


class SlotQuery(Query):
    day: ApiDate = Field(alias="date")
    queue: Code


class AppointmentRequest(Body):
    hall: Code
    queue: Code
    slot_id: RowId
    name: Name
    phone: Phone


class AppointmentPhoneQuery(Query):
    phone: Phone


# --- online applications (网上办, docs/online.md) ---


class ApplicationRequest(Body):
    service: Code
    hall: Code
    applicant: Applicant
    delivery: Delivery | None = None
    note: Note | None = None


class ApplicantNoteRequest(Body):
    note: Note | None = None


class AccessRequest(Body):
    case_no: Code
    phone: Phone
    id_number: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=18)
    ]


class UploadForm(BaseModel):
    """multipart/form-data: one file for one material (described in the OpenAPI spec; read by hand)."""

    content_type: ClassVar[str] = "multipart/form-data"
    material: Annotated[str, Field(description="事项申请材料名称，或一次性告知书所列的补正材料")]
    file: Annotated[bytes, Field(description="PDF、JPG 或 PNG 文件（按内容判断），不超过 UPLOAD_MAX_BYTES")]
