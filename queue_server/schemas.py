"""Request schemas: every body and query string is validated here, at the boundary.

``parse_body`` and ``parse_query`` turn pydantic's errors into the contract's 400 answer with
``details.fields`` naming each bad field in Chinese.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from flask import request
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from queue_server.errors import InvalidRequest
from queue_server.validation import CUSTOM_ERRORS, MAX_ID, ApiDate, SingleLine, read_json
from workflows import case as case_flow

M = TypeVar("M", bound=BaseModel)

PHONE_RE = r"^1[3-9]\d{9}$"

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), SingleLine]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_RE)]
# A row id in a body or query (32-bit in the database), and a list's offset.
RowId = Annotated[int, Field(le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=MAX_ID)]


class Body(BaseModel):
    """A JSON body: exact types, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """A query string: values arrive as text and are converted."""

    model_config = ConfigDict(extra="ignore")
    # Filters that name a stored object, field -> "hall" | "department" | "user": an unknown one is 400.
    references: ClassVar[dict[str, str]] = {}


class TokenRequest(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=50), SingleLine]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PasswordRequest(Body):
    """POST /auth/password: the current password and the new one (8 to 200 characters)."""

    old: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new: Annotated[str, StringConstraints(min_length=8, max_length=200)]


# A booking code (预约码): 8 characters without 0, O, 1 and I; typed in any case, with spaces or dashes.
BookingCode = Annotated[
    str,
    BeforeValidator(lambda value: re.sub(r"[\s-]", "", value).upper() if isinstance(value, str) else value),
    StringConstraints(pattern=r"^[2-9A-HJ-NP-Z]{8}$"),
]


class TicketRequest(Body):
    queue: Code | None = None
    # 预约签到: a booking code instead of the queue checks the booking in (docs/appointments.md).
    appointment_code: BookingCode | None = None
    priority: Literal["normal", "priority"] = "normal"
    priority_reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
                               SingleLine] | None = None
    service: Code | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _queue_or_booking(self) -> "TicketRequest":
        if (self.queue is None) == (self.appointment_code is None):
            raise ValueError("queue|请选择队列，或凭预约码签到（二者选一）")
        if self.appointment_code is not None:
            for name in ("priority", "priority_reason", "phone"):
                if name in self.model_fields_set:
                    raise ValueError(f"{name}|预约签到自动取优先号，不需要此项")
        return self

    @model_validator(mode="after")
    def _reason_goes_with_priority(self) -> "TicketRequest":
        if self.priority == "priority" and not self.priority_reason:
            raise ValueError("priority_reason|优先取号须注明原因（如老年人、残疾人、军人、孕妇、预约）")
        if self.priority == "normal" and self.priority_reason:
            raise ValueError("priority_reason|普通号不需要优先原因")
        return self


class TicketNumberQuery(Query):
    number: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                             pattern=r"^[A-Za-z0-9]{1,4}[0-9]{3,6}$")]


class TransferRequest(Body):
    queue: Code


class WindowStatusRequest(Body):
    status: Literal["open", "paused", "closed"]


class DeadlineQuery(Query):
    start: ApiDate
    workdays: Annotated[int, Field(ge=0, le=3650)]


class CalendarQuery(Query):
    from_: ApiDate = Field(alias="from")
    to: ApiDate

    @model_validator(mode="after")
    def _span(self) -> "CalendarQuery":
        if self.to < self.from_:
            raise ValueError("to|结束日期不能早于开始日期")
        if (self.to - self.from_).days >= 400:
            raise ValueError("to|查询范围最多 400 天")
        return self


class ServiceQuery(Query):
    references: ClassVar[dict[str, str]] = {"department": "department"}
    mode: Literal["immediate", "online", "once", "agent", "citywide", "bundle"] | None = None
    department: Code | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None


# --- cases ---

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), SingleLine]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
# Dates arrive as text in JSON: parsed (strictly YYYY-MM-DD, in range) even in a strict body.
JsonDate = ApiDate


def id_number_problem(value: str) -> str | None:
    """Say what is wrong with a resident ID number (GB 11643), or None when it is valid."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "应为 18 位身份证号码（最后一位可为 X）"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "出生日期不正确"
    check = ID_CHECK_CHARS[sum(int(digit) * weight for digit, weight in zip(value[:17], ID_WEIGHTS)) % 11]
    return None if value[17] == check else "校验位不正确，请核对身份证号码"


class Applicant(Body):
    name: Name
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=18)]
    phone: Phone

    @model_validator(mode="after")
    def _valid_id_number(self) -> "Applicant":
        problem = id_number_problem(self.id_number)
        if problem:
            raise ValueError(f"applicant.id_number|{problem}")
        return self


class MaterialReceived(Body):
    name: Text
    original_seen: bool = False
    copies: Annotated[int, Field(ge=0, le=99)] = 0


class Delivery(Body):
    method: Literal["pickup", "mail"]
    hall: Code | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)] | None = None


class CaseRequest(Body):
    service: Code
    hall: Code
    mode: Literal["immediate", "online", "once", "agent", "citywide", "bundle"]
    applicant: Applicant
    ticket_id: RowId | None = None
    materials: Annotated[list[MaterialReceived], Field(max_length=60)] = []
    delivery: Delivery | None = None


class TransitionRequest(Body):
    trigger: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), SingleLine]
    note: Note | None = None
    data: dict[str, Any] | None = None


# The data each trigger takes (docs/cases.md); a trigger without an entry takes none.
class DeficiencyData(Body):
    deficiencies: Annotated[list[Text], Field(min_length=1, max_length=30)]
    due: JsonDate


class SupplementNoticeData(Body):
    missing: Annotated[list[Text], Field(min_length=1, max_length=30)]


class SupplementData(Body):
    materials: Annotated[list[MaterialReceived], Field(max_length=60)] = []


class ReassignData(Body):
    assignee: Name


class SuspendData(Body):
    kind: Literal["hearing", "testing", "inspection", "appraisal", "expert_review"]


class MailData(Body):
    waybill_no: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{6,40}$")]
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)] | None = None


IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=18)]
# A signature drawn on screen: a PNG data URL (data:image/png;base64,…), checked by the operation.
SignatureDataUrl = Annotated[str, StringConstraints(pattern=r"^data:image/png;base64,[A-Za-z0-9+/=]+$",
                                                    max_length=600_000)]
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII)


def _strict_datetime(value: Any) -> Any:
    """Read a time written YYYY-MM-DDTHH:MM[:SS][offset]; without an offset it is hall time."""
    if not isinstance(value, str) or not _TIME_RE.fullmatch(value):
        raise PydanticCustomError("date_format", "应为时间（YYYY-MM-DDTHH:MM）")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PydanticCustomError("date_format", "时间不存在") from None


JsonTime = Annotated[datetime, BeforeValidator(_strict_datetime), Field(strict=False)]


class Collector(Body):
    """Who collects a result at the window: the applicant (本人) or the one they authorised (受托人)."""

    kind: Literal["self", "proxy"]
    name: Name | None = None
    id_number: IdNumber | None = None
    # 本人: the clerk checked the ID card; 受托人: the power of attorney (授权委托书) is taken.
    id_checked: bool = False
    proxy_letter: bool = False


class MailReceipt(Body):
    """The signed receipt of a mailed result: who signed for it (签收人) and when (签收时间)."""

    signed_by: Name
    signed_at: JsonTime


class DeliverData(Body):
    received: Annotated[list[Text], Field(max_length=30)] = []
    # At the pickup window the collector is required (checked by the operation, after the 容缺 check).
    collector: Collector | None = None
    receipt: MailReceipt | None = None
    signature: SignatureDataUrl | None = None


class AssignAgentData(Body):
    agent: Name | None = None


class NoData(Body):
    pass


TRIGGER_DATA: dict[str, type[Body]] = {
    "accept_with_deficiency": DeficiencyData,
    "request_supplement": SupplementNoticeData,
    "supplement": SupplementData,
    "reassign": ReassignData,
    "suspend": SuspendData,
    "mail": MailData,
    "deliver": DeliverData,
    "assign_agent": AssignAgentData,
}


class CaseListQuery(Query):
    references: ClassVar[dict[str, str]] = {"department": "department", "hall": "hall", "assignee": "user"}
    state: Literal[tuple(case_flow.STATES)] | None = None
    light: Literal["green", "yellow", "red"] | None = None
    department: Code | None = None
    hall: Code | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = None
    assignee: Name | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Offset = 0


class ProgressQuery(Query):
    phone: Phone


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in CUSTOM_ERRORS:
        return error["msg"]
    if kind == "missing":
        return "必填"
    if kind == "extra_forbidden":
        return "不支持的字段"
    if kind in ("string_type", "str_type"):
        return "应为字符串"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "应为整数"
    if kind in ("bool_type", "bool_parsing"):
        return "应为 true 或 false"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return "应为日期（YYYY-MM-DD）"
    if kind == "literal_error":
        return f"取值应为：{ctx.get('expected', '')}".replace("'", "")
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length", 1) <= 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "too_short":
        return "不能为空" if ctx.get("min_length", 1) <= 1 else f"至少 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind == "string_too_long":
        return f"最长 {ctx.get('max_length')} 个字符"
    if kind == "string_pattern_mismatch":
        return "格式不正确" + ("（应为 11 位手机号）" if ctx.get("pattern") == PHONE_RE else "")
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "应为 JSON 对象"
    return "取值无效"


def _fields(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        if error["type"] == "value_error":
            # Cross-field checks raise "field|message".
            text = str(error.get("ctx", {}).get("error", error["msg"]))
            name, _, message = text.partition("|")
            fields[name] = message
            continue
        loc = [str(part) for part in error["loc"] if part != "__root__"]
        name = ".".join(loc).rstrip("_") or "body"
        fields.setdefault(name, _message(error))
    return fields


def parse(model: type[M], data: Any, prefix: str = "") -> M:
    """Validate data against a schema, or answer 400 with the bad fields (named under prefix)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest({prefix + name: message for name, message in _fields(exc).items()}) from None


def parse_body(model: type[M]) -> M:
    """Read the JSON body (an empty body counts as {}) and validate it."""
    data = read_json()
    if not isinstance(data, dict):
        raise InvalidRequest({"body": "应为 JSON 对象"}, "请求体应为 JSON 对象")
    return parse(model, data)


def parse_query(model: type[M]) -> M:
    """Validate the query string, and the stored objects its filters name."""
    query = parse(model, request.args.to_dict())
    unknown = _unknown_references(query) if isinstance(query, Query) else {}
    if unknown:
        raise InvalidRequest(unknown)
    return query


def _unknown_references(query: Query) -> dict[str, str]:
    """Name each filter whose hall, department or user does not exist."""
    from queue_server.accounts.models import User
    from queue_server.extensions import db
    from queue_server.queue.models import Department, Hall

    lookups = {"hall": (Hall.code, "没有该服务大厅"), "department": (Department.code, "没有该部门"),
               "user": (User.username, "没有该工作人员")}
    unknown: dict[str, str] = {}
    for field, kind in query.references.items():
        value = getattr(query, field)
        if value is None or (kind == "user" and value == "me"):
            continue
        column, message = lookups[kind]
        if db.session.scalar(db.select(column).where(column == value).limit(1)) is None:
            unknown[field] = f"{message}：{value}"
    return unknown


def mask_phone(phone: str | None) -> str | None:
    """Mask a phone number as 138****5678."""
    if not phone:
        return None
    return re.sub(r"^(\d{3})\d+(\d{4})$", r"\1****\2", phone)


# --- ratings (好差评), rectification, figures and staffing (docs/ratings.md) ---

Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
RatingChannel = Literal["evaluator", "kiosk", "status_page", "portal"]


class RatingRequest(Body):
    ticket_id: RowId | None = None
    case_no: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = None
    grade: Annotated[int, Field(ge=1, le=5)]
    comment: Comment | None = None
    # Where the citizen rated; default: the ticket's status page, or the portal for a case.
    channel: RatingChannel | None = None
    # The evaluator facing a window names it: only the ticket that window finished last may be rated there.
    window_id: RowId | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> "RatingRequest":
        if (self.ticket_id is None) == (self.case_no is None):
            raise ValueError("ticket_id|请指定号票（ticket_id）或办件编号（case_no），二者选一")
        if self.window_id is not None and self.ticket_id is None:
            raise ValueError("window_id|只有评价号票时才指定窗口")
        return self


class RectificationListQuery(Query):
    references: ClassVar[dict[str, str]] = {"hall": "hall"}
    hall: Code | None = None
    state: Literal["open", "assigned", "closed"] | None = None
    overdue: bool | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Offset = 0


class AssignRequest(Body):
    assignee: Name
    note: Note | None = None


class FollowUpRequest(Body):
    note: Note


class CloseRequest(Body):
    action: Note


StatsGroup = Literal["mode", "queue", "window", "clerk", "department"]


class StatsQuery(Query):
    from_: ApiDate | None = Field(default=None, alias="from")
    to: ApiDate | None = None
    group_by: StatsGroup | None = None
    format: Literal["json", "csv", "xlsx"] = "json"

    @model_validator(mode="after")
    def _span(self) -> "StatsQuery":
        if self.from_ and self.to:
            if self.to < self.from_:
                raise ValueError("to|结束日期不能早于开始日期")
            if (self.to - self.from_).days >= 400:
                raise ValueError("to|统计范围最多 400 天")
        return self


class StaffingQuery(Query):
    target_s: Annotated[int, Field(ge=30, le=7200)] = 900
    percentile: Annotated[float, Field(ge=0.5, le=0.999)] = 0.9
    days: Annotated[int, Field(ge=1, le=90)] = 20


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


# --- supervision (monitor, alerts) ---


class AlertListQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200)] = 50


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
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=18)]


class UploadForm(BaseModel):
    """multipart/form-data: one file for one material (described in the OpenAPI spec; read by hand)."""

    content_type: ClassVar[str] = "multipart/form-data"
    material: Annotated[str, Field(description="事项申请材料名称，或一次性告知书所列的补正材料")]
    file: Annotated[bytes, Field(description="PDF、JPG 或 PNG 文件（按内容判断），不超过 UPLOAD_MAX_BYTES")]
