"""What the citizen API reads: the item list's filters, bookings (预约) and online applications (网上办)."""

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, StringConstraints

from queue_server.cases.schemas import Applicant, Delivery
from queue_server.validation import ApiDate, Body, Code, Name, Note, Offset, Phone, Query, RowId


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


AnswerValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class ApplicationRequest(Body):
    service: Code
    hall: Code
    applicant: Applicant
    delivery: Delivery | None = None
    note: Note | None = None
    # 主题式 一件事: the answers to the bundle's questions ({id: value}), deciding which parts are opened.
    answers: Annotated[
        dict[Code, AnswerValue],
        Field(max_length=30, description="一件事的导办问题答案（仅主题式服务） The bundle's answers"),
    ] = {}


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


# --- 主题式 一件事 (docs/bundles.md) ---


class PlanRequest(Body):
    """POST /services/{code}/plan: the applicant's answers to the bundle's questions ({id: value})."""

    answers: Annotated[dict[Code, AnswerValue], Field(max_length=30)] = {}


class FlowQuery(Query):
    """GET /services/{code}/flow.svg and guide.pdf: the answers so far, if any (``id:value,id:value``)."""

    answers: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=600),
            Field(
                description="导办问题的回答，如 area_over_300:yes,signboard:no；省略则标出视情形办理的事项"
            ),
        ]
        | None
    ) = None


# --- 在线咨询 (docs/consultations.md) ---


class ConsultationRequest(Body):
    name: Name
    phone: Phone
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]


class ConsultationAnswerRequest(Body):
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=1000)]
    public: bool = False


class ConsultationListQuery(Query):
    state: Literal["open", "answered"] = "open"
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Offset = 0


class ConsultationFiguresQuery(Query):
    from_: ApiDate | None = Field(default=None, alias="from")
    to: ApiDate | None = None
