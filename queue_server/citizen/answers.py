"""What the citizen API answers: items, slots, bookings and online applications, built from their rows."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AliasPath,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import select

from queue_server.api.answers import Answer, Error, HallTime, MaybeHallTime
from queue_server.calendar import clock
from queue_server.cases.answers import CaseState, Light, Mode, ProgressChild
from queue_server.cases.models import Case, CaseEvent
from queue_server.cases.queries import mask_id_number, mask_name
from queue_server.cases.rules import case_clock_of
from queue_server.citizen.appointments import STATE_NAMES as APPOINTMENT_STATE_NAMES
from queue_server.citizen.appointments import checkin_window
from queue_server.citizen.online import (
    APPLICANT_DOCUMENTS,
    DELIVERY_FIXED_STATES,
    NOTICE_TRIGGERS,
    UPLOAD_STATES,
    access_token,
    files_of,
    materials_of,
)
from queue_server.extensions import db
from queue_server.validation import mask_phone
from workflows import case as case_flow

CaseStateName = Annotated[str, BeforeValidator(case_flow.STATE_NAMES.__getitem__)]
ModeName = Annotated[str, BeforeValidator(case_flow.MODE_NAMES.__getitem__)]
ModeNames = Annotated[list[str], BeforeValidator(lambda modes: [case_flow.MODE_NAMES[m] for m in modes])]


# --- the item list (五办 items and their guides) ---


class Material(Answer):
    model_config = ConfigDict(extra="allow")  # a material is answered as the item lists it

    name: str
    form: Literal["original", "copy", "original_and_copy"]
    count: int
    required: bool
    deferrable: bool
    note: str | None = None


class BundleChoice(Answer):
    value: str
    label: str
    adds: list[str] = Field([], description="选此项时增加的子项 Parts this answer adds")
    removes: list[str] = Field([], description="选此项时去掉的子项 Parts this answer removes")


class BundleQuestion(Answer):
    id: str
    text: str
    choices: list[BundleChoice]


class ServiceOut(Answer):
    code: str
    name: str
    department: str = Field(validation_alias=AliasPath("department", "code"))
    department_name: str = Field(validation_alias=AliasPath("department", "name"))
    queue: str = Field(validation_alias="queue_code")
    modes: list[Mode]
    mode_names: ModeNames = Field(validation_alias="modes")
    legal_days: int
    promised_days: int
    materials: list[Material]
    parts: list[str] = Field(description="主题式服务（一件事）所含事项 Items a bundle holds")
    halls: list[str] | None = Field(
        description="受理该事项的服务大厅，null 为全部大厅 The halls that accept it; null: every hall"
    )
    depends: Annotated[dict[str, list[str]], BeforeValidator(lambda value: value or {})] = Field(
        description="一件事各子项的先后：{子项: [须先办结的子项]} The parts each part waits for"
    )
    questions: Annotated[list["BundleQuestion"], BeforeValidator(lambda value: value or [])] = Field(
        description="一件事的导办问题 The questions deciding a bundle's optional parts"
    )
    version: int = Field(description="现行有效的版本号 The published version in effect today")


class ServiceDetailOut(ServiceOut):
    guide: dict


# --- appointments (预约) ---


# reply(list[SlotOut], slots, context=booking_context(day)): the time, and whether the day is bookable.
class SlotOut(Answer):
    id: int
    start: HallTime = Field(validation_alias="starts_at")
    end: HallTime = Field(validation_alias="ends_at")
    capacity: int
    booked: int
    available: int = Field(validation_alias="booked", description="余号 Places left")
    bookable: bool = Field(
        validation_alias="starts_at",
        description="此刻可预约（未开始、有余号、在可预约日期内） Can be booked now",
    )

    @field_validator("available", mode="before")
    @classmethod
    def _places_left(cls, booked: int, info: ValidationInfo) -> int:
        return max(info.data["capacity"] - booked, 0)

    @field_validator("bookable", mode="before")
    @classmethod
    def _bookable_now(cls, starts_at: datetime, info: ValidationInfo) -> bool:
        context = info.context or {}
        in_time = bool(context.get("open_for_booking")) and starts_at > context["now"]
        return in_time and info.data["available"] > 0


AppointmentStateName = Annotated[str, BeforeValidator(APPOINTMENT_STATE_NAMES.__getitem__)]


def _checkin_from(slot) -> str:
    return clock.to_hall_iso(checkin_window(slot)[0])


def _checkin_until(slot) -> str:
    return clock.to_hall_iso(checkin_window(slot)[1])


class AppointmentOut(Answer):
    code: str = Field(description="预约码：8 位，不含 0/O/1/I Booking code")
    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    hall_name: str = Field(validation_alias=AliasPath("hall", "name"))
    hall_address: str = Field(validation_alias=AliasPath("hall", "address"))
    queue: str = Field(validation_alias=AliasPath("queue", "code"))
    queue_name: str = Field(validation_alias=AliasPath("queue", "name"))
    slot_id: int
    start: HallTime = Field(validation_alias=AliasPath("slot", "starts_at"))
    end: HallTime = Field(validation_alias=AliasPath("slot", "ends_at"))
    state: Literal["booked", "checked_in", "cancelled", "missed"]
    state_name: AppointmentStateName = Field(validation_alias="state")
    name: Annotated[str, BeforeValidator(mask_name)] = Field(description="脱敏 masked")
    phone: Annotated[str, BeforeValidator(mask_phone)] = Field(description="脱敏 masked")
    checkin_from: Annotated[str, BeforeValidator(_checkin_from)] = Field(
        validation_alias="slot", description="自助机签到开始 Check-in opens"
    )
    checkin_until: Annotated[str, BeforeValidator(_checkin_until)] = Field(
        validation_alias="slot", description="签到截止（不含） Check-in closes"
    )
    ticket_id: int | None = Field(description="签到所取的优先号 The priority ticket of the check-in")
    created_at: HallTime


# --- online applications (网上办, docs/online.md) ---

# The applicant's access token, in the header of every request on the application.
APPLICATION_TOKEN = {
    "name": "X-Application-Token",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "申请凭证 The access token of the application",
}

UPLOADED_FILE = {
    "description": "申请材料文件（PDF、JPG、PNG） An uploaded file",
    "content": {
        mime: {"schema": {"type": "string", "format": "binary"}}
        for mime in ("application/pdf", "image/jpeg", "image/png")
    },
}

# A read with the access token may also answer: no token, a token not of this case, too many requests.
TOKEN_ERRORS = {401: Error, 404: Error, 429: Error}


class ApplicationFileOut(Answer):
    id: int
    material: str
    original_name: str
    mime: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int
    sha256: str
    uploaded_at: HallTime
    submitted_at: MaybeHallTime = Field(description="送交预审的时间；此前申请人可删除 Sent to pre-review at")


class ApplicationMaterial(Answer):
    name: str
    required: bool
    form: str | None
    note: str | None
    listed: bool = Field(
        description="false：一次性告知书所列、事项清单之外的补正材料 A line of the supplement notice"
    )
    files: list[ApplicationFileOut]


class ApplicationDelivery(Answer):
    method: Literal["pickup", "mail"] = Field(validation_alias="delivery_method")
    hall: str = Field(validation_alias=AliasPath("delivery_hall", "code"))
    hall_name: str = Field(validation_alias=AliasPath("delivery_hall", "name"))
    address: str | None = Field(validation_alias="delivery_address")
    waybill_no: str | None
    can_change: Annotated[bool, BeforeValidator(lambda state: state not in DELIVERY_FIXED_STATES)] = Field(
        validation_alias="state"
    )


# Not CaseApplicant: the staff's case answer (cases/answers.py) shows the name unmasked.
class ApplicationApplicant(Answer):
    name: Annotated[str, BeforeValidator(mask_name)] = Field(validation_alias="applicant_name")
    id_number: Annotated[str, BeforeValidator(mask_id_number)] = Field(
        validation_alias="applicant_id_number", description="脱敏 masked"
    )
    phone: Annotated[str, BeforeValidator(mask_phone)] = Field(
        validation_alias="applicant_phone", description="脱敏 masked"
    )


def _trigger_name(trigger: str) -> str:
    return "填写网上申请" if trigger == "create" else case_flow.TRIGGER_NAMES.get(trigger, trigger)


# A case event as its applicant reads it: notes addressed to them, the missing list of a notice.
class ApplicationHistoryEntry(Answer):
    state: CaseState = Field(validation_alias="to_state")
    state_name: CaseStateName = Field(validation_alias="to_state")
    trigger: str
    trigger_name: Annotated[str, BeforeValidator(_trigger_name)] = Field(validation_alias="trigger")
    at: HallTime
    note: str | None
    missing: list[str] = Field(validation_alias="data")

    @field_validator("note", mode="before")
    @classmethod
    def _addressed_to_applicant(cls, note: str | None, info: ValidationInfo) -> str | None:
        return note if info.data.get("trigger") in NOTICE_TRIGGERS else None

    @field_validator("missing", mode="before")
    @classmethod
    def _noticed_missing(cls, data: dict | None, info: ValidationInfo) -> list[str]:
        return (data or {}).get("missing", []) if info.data.get("trigger") == "request_supplement" else []


def _material_guide(case: Case, name: str) -> dict:
    known = next((m for m in materials_of(case) if m["name"] == name), None)
    if known is None:  # a line of a supplement notice
        return {"name": name, "required": True, "form": None, "note": None, "listed": False}
    return {
        "name": name,
        "required": bool(known.get("required")),
        "form": known.get("form"),
        "note": known.get("note") or None,
        "listed": True,
    }


def _actions(case: Case) -> list[str]:
    """Name what the applicant can do now: upload, submit, supplement, withdraw, delivery."""
    allowed = case_flow.definition(case.mode, case.workflow_version).allowed_triggers(case.state)
    actions = ["upload"] if case.state in UPLOAD_STATES else []
    actions += [trigger for trigger in ("submit", "supplement", "withdraw") if trigger in allowed]
    if case.state not in DELIVERY_FIXED_STATES:
        actions.append("delivery")
    return actions


# The application as its applicant sees it: state, notices, materials with files, delivery, history.
class ApplicationOut(Answer):
    case_no: str
    service: str
    service_name: str
    mode: Literal["online", "bundle"]
    mode_name: ModeName
    hall: str
    hall_name: str
    department_name: str
    state: CaseState
    state_name: CaseStateName
    created_at: HallTime
    accepted_at: MaybeHallTime
    deadline: str | None
    remaining_workdays: int | None
    light: Light | None
    applicant: ApplicationApplicant
    missing: list[str]
    materials: list[ApplicationMaterial]
    delivery: ApplicationDelivery
    actions: list[Literal["upload", "submit", "supplement", "withdraw", "delivery"]]
    history: list[ApplicationHistoryEntry]
    documents: list[Literal["acceptance", "supplement", "refusal"]]
    children: list[ProgressChild] = Field(
        description="一件事的各子项（等待前置事项、审批中……） The parts of a bundle applied for online"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_case(cls, data):
        return cls.parts_of(data) if isinstance(data, Case) else data

    @classmethod
    def parts_of(cls, case: Case) -> dict:
        """Read the case's own values and what follows from them (its clock, files and history)."""
        timer = case_clock_of(case)
        files = files_of(case)
        history = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).all()
        listed = [m["name"] for m in materials_of(case)]
        named = dict.fromkeys(case.missing + [row.material for row in files])
        extra = [name for name in named if name not in listed]
        return {
            "case_no": case.case_no,
            "service": case.service.code,
            "service_name": case.service.name,
            "mode": case.mode,
            "mode_name": case.mode,
            "hall": case.hall.code,
            "hall_name": case.hall.name,
            "department_name": case.department.name,
            "state": case.state,
            "state_name": case.state,
            "created_at": case.created_at,
            "accepted_at": case.accepted_at,
            "deadline": timer.deadline.isoformat() if timer.deadline else None,
            "remaining_workdays": timer.remaining_workdays,
            "light": timer.light,
            "applicant": case,
            "missing": list(case.missing) if case.state == "awaiting_supplement" else [],
            "materials": [
                {**_material_guide(case, name), "files": [f for f in files if f.material == name]}
                for name in listed + extra
            ],
            "delivery": case,
            "actions": _actions(case),
            "history": history,
            "documents": [
                kind
                for kind, triggers in APPLICANT_DOCUMENTS.items()
                if any(row.trigger in triggers for row in history)
            ],
            "children": list(case.children),
        }


class ApplicationCreatedOut(ApplicationOut):
    token: str = Field(description="申请凭证：之后每次请求放在 X-Application-Token 头中 The access token")

    @classmethod
    def parts_of(cls, case: Case) -> dict:
        """Read the application's parts and sign its access token."""
        return {**super().parts_of(case), "token": access_token(case)}


# reply(UploadOut, {"file": row, "application": case})
class UploadOut(Answer):
    file: ApplicationFileOut
    application: ApplicationOut


class ApplicationAccessOut(Answer):
    case_no: str
    token: str


# --- 主题式 一件事: the plan (智能导办) ---


class PlanMaterial(Material):
    model_config = ConfigDict(extra="allow", serialize_by_alias=True)

    for_: list[str] = Field(
        validation_alias="for", serialization_alias="for", description="用到该材料的子项 The parts it serves"
    )


class PlanStep(Answer):
    code: str
    name: str
    department: str
    department_name: str
    mode: Mode
    promised_days: int
    waits_for: list[str] = Field(description="须先办结的子项 The parts it waits for")


class PlanOut(Answer):
    """The parts an applicant needs, their order and every material once (一次提交、多次复用)."""

    code: str
    name: str
    parts: list[str]
    steps: list[PlanStep]
    promised_days: int = Field(description="按先后顺序的最长办理时间（工作日） The longest chain of parts")
    materials: list[PlanMaterial]
