"""The OpenAPI 3.1 description of this API, built from the same schemas the handlers use.

Request bodies and query strings come from ``queue_server.schemas``; answers are described by the
models below. ``tests/api/test_openapi.py`` checks that every route is described and that the
answers the tests receive match these schemas.
"""

from typing import Literal

from flask import Blueprint, current_app
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from queue_server import schemas
from queue_server.api.answers import Error, HealthOut
from queue_server.api.spec import IDEMPOTENCY_KEY, UNAVAILABLE, _query_parameters
from queue_server.api.spec import build_spec as build_declared_spec
from workflows import case as case_flow

bp = Blueprint("openapi", __name__)


Mode = Literal["immediate", "online", "once", "agent", "citywide", "bundle"]
TicketState = Literal["waiting", "called", "serving", "done", "no_show", "cancelled", "expired"]










class HallOut(BaseModel):
    code: str
    name: str
    address: str


class QueueOut(BaseModel):
    code: str
    name: str
    prefix: str
    waiting: int
    est_wait_s: int


class WindowOut(BaseModel):
    id: int
    number: int
    name: str
    queues: list[str]
    status: Literal["open", "paused", "closed"]
    clerk: str | None


class TicketOut(BaseModel):
    id: int
    hall: str
    number: str
    queue: str
    queue_name: str
    priority: Literal["normal", "priority"]
    priority_reason: str | None
    state: TicketState
    window_number: int | None
    issued_at: str
    called_at: str | None
    recalls: int
    waiting_ahead: int | None
    est_wait_s: int | None


class TicketHistoryEntry(BaseModel):
    trigger: str
    from_: str | None = Field(alias="from")
    to: str
    actor: str | None
    at: str


class CallOut(BaseModel):
    call_id: int
    number: str
    queue: str
    window_number: int
    window_name: str
    called_at: str
    recalls: int
    announce: str


class BoardQueue(BaseModel):
    code: str
    name: str
    waiting: int


class BoardOut(BaseModel):
    hall: str
    hall_name: str
    seq: int
    calls: list[CallOut]
    queues: list[BoardQueue]


class DeskQueue(BaseModel):
    code: str
    name: str
    waiting: int


class QueueName(BaseModel):
    code: str
    name: str


class ClerkToday(BaseModel):
    served: int
    no_show: int
    avg_wait_s: int | None
    avg_service_s: int | None


class DeskOut(BaseModel):
    window: WindowOut
    current: TicketOut | None
    held: list[TicketOut] = Field(description="窗口仍持有的号票（已叫号或办理中），最早叫号在前 "
                                              "Every ticket the window still holds, earliest call first")
    queues: list[DeskQueue]
    transfer_queues: list[QueueName]
    today: ClerkToday






class Material(BaseModel):
    name: str
    form: Literal["original", "copy", "original_and_copy"]
    count: int
    required: bool
    deferrable: bool
    note: str | None = None


class ServiceOut(BaseModel):
    code: str
    name: str
    department: str
    department_name: str
    queue: str
    modes: list[Mode]
    mode_names: list[str]
    legal_days: int
    promised_days: int
    materials: list[Material]
    parts: list[str] = Field(description="主题式服务（一件事）所含事项 Items a bundle holds")


class ServiceDetailOut(ServiceOut):
    guide: dict


CaseState = Literal[tuple(case_flow.STATES)]
Light = Literal["green", "yellow", "red"]


class CaseHistoryEntry(BaseModel):
    from_: str | None = Field(alias="from")
    to: CaseState
    trigger: str
    trigger_name: str
    actor: str | None
    actor_name: str | None
    at: str
    note: str | None
    data: dict | None


class Person(BaseModel):
    username: str
    name: str


class CaseDelivery(BaseModel):
    method: Literal["pickup", "mail"]
    hall: str
    hall_name: str
    address: str | None


class CaseApplicant(BaseModel):
    name: str
    id_number: str = Field(description="脱敏 masked")
    phone: str = Field(description="脱敏 masked")


class CaseOut(BaseModel):
    id: int
    case_no: str
    service: str
    service_name: str
    mode: Mode
    mode_name: str
    workflow_version: int
    hall: str
    hall_name: str
    department: str
    department_name: str
    state: CaseState
    state_name: str
    allowed_triggers: list[str] = Field(description="本用户此刻可执行的操作 Triggers this user may fire now")
    created_at: str
    accepted_at: str | None
    decided_at: str | None
    deadline: str | None
    remaining_workdays: int | None
    light: Light | None
    clock_paused: bool
    on_time: bool | None
    promised_days: int
    legal_days: int
    delivery: CaseDelivery
    waybill_no: str | None
    applicant: CaseApplicant
    ticket_id: int | None
    parent: str | None = Field(description="主题式服务子件的主件编号 The bundle this case belongs to")
    children: list[dict] = Field(description="主题式服务的子件 The bundle's parts")
    materials: list[dict]
    deficiencies: list[dict]
    missing: list[str]
    assignee: Person | None
    agent: Person | None
    visits: int
    extra_visit: bool
    documents: list[Literal["acceptance", "deficiency", "supplement", "refusal", "completion"]]
    progress_url: str
    history: list[CaseHistoryEntry]


class CaseListOut(BaseModel):
    items: list[CaseOut]
    total: int


class ProgressEntry(BaseModel):
    state: CaseState
    state_name: str
    at: str


class ProgressOut(BaseModel):
    case_no: str
    service: str
    service_name: str
    mode: Mode
    mode_name: str
    hall_name: str
    state: CaseState
    state_name: str
    deadline: str | None
    remaining_workdays: int | None
    light: Light | None
    applicant: dict
    missing: list[str]
    delivery: dict
    history: list[ProgressEntry]




class SlotOut(BaseModel):
    id: int
    start: str
    end: str
    capacity: int
    booked: int
    available: int = Field(description="余号 Places left")
    bookable: bool = Field(description="此刻可预约（未开始、有余号、在可预约日期内） Can be booked now")


class AppointmentOut(BaseModel):
    code: str = Field(description="预约码：8 位，不含 0/O/1/I Booking code")
    hall: str
    hall_name: str
    hall_address: str
    queue: str
    queue_name: str
    slot_id: int
    start: str
    end: str
    state: Literal["booked", "checked_in", "cancelled", "missed"]
    state_name: str
    name: str = Field(description="脱敏 masked")
    phone: str = Field(description="脱敏 masked")
    checkin_from: str = Field(description="自助机签到开始 Check-in opens")
    checkin_until: str = Field(description="签到截止（不含） Check-in closes")
    ticket_id: int | None = Field(description="签到所取的优先号 The priority ticket of the check-in")
    created_at: str


# --- ratings (好差评), rectification, figures and staffing (docs/ratings.md) ---

RatingChannel = Literal["evaluator", "kiosk", "status_page", "portal"]
RectificationState = Literal["open", "assigned", "closed"]


class RectificationRef(BaseModel):
    id: int
    state: RectificationState
    deadline: str


class RatingOut(BaseModel):
    id: int
    ticket_id: int | None
    case_no: str | None
    hall: str
    grade: int = Field(ge=1, le=5)
    grade_name: str
    bad: bool
    comment: str | None
    channel: RatingChannel
    created_at: str
    rectification: RectificationRef | None = Field(description="差评（1、2 分）生成的整改事项 The item a bad rating opened")


class RatedTicket(BaseModel):
    id: int
    number: str
    queue: str
    queue_name: str


class RatedCase(BaseModel):
    case_no: str
    service_name: str
    mode: Mode
    mode_name: str
    department: str
    department_name: str


class RatedWindow(BaseModel):
    number: int
    name: str


class RatingDetail(BaseModel):
    id: int
    hall: str
    grade: int
    grade_name: str
    comment: str | None
    channel: RatingChannel
    channel_name: str
    created_at: str
    ticket: RatedTicket | None
    case: RatedCase | None
    window: RatedWindow | None
    clerk: Person | None


class RectificationHistoryEntry(BaseModel):
    trigger: Literal["open", "assign", "follow_up", "close"]
    trigger_name: str
    from_: RectificationState | None = Field(alias="from")
    to: RectificationState
    actor: str | None
    actor_name: str | None
    at: str
    note: str | None


class RectificationOut(BaseModel):
    id: int
    state: RectificationState
    state_name: str
    deadline: str
    overdue: bool
    allowed_triggers: list[str]
    assignee: Person | None
    action: str | None
    created_at: str
    closed_at: str | None
    rating: RatingDetail
    history: list[RectificationHistoryEntry]


class RectificationListOut(BaseModel):
    items: list[RectificationOut]
    total: int


class TicketFigures(BaseModel):
    issued: int
    served: int
    no_show: int
    avg_wait_s: int | None
    avg_service_s: int | None


class CaseFigures(BaseModel):
    by_mode: dict[Mode, int]
    created: int
    decided: int
    on_time: int
    on_time_rate: float | None = Field(description="期内办结中按时办结的比例 Share of the cases decided in the period that were on time")


class RatingFigures(BaseModel):
    count: int
    average: float | None
    bad: int
    by_grade: dict[str, int]


class StatsGroupOut(BaseModel):
    key: str | None = Field(description="模式、队列、部门代码，窗口号或用户名；null 为未关联 Mode, queue or department code, window number or username; null: not attributable")
    name: str
    tickets: TicketFigures
    cases: CaseFigures
    ratings: RatingFigures


class StatsOut(BaseModel):
    hall: str
    hall_name: str
    from_: str = Field(alias="from")
    to: str
    group_by: Literal["mode", "queue", "window", "clerk", "department"] | None
    tickets: TicketFigures
    cases: CaseFigures
    ratings: RatingFigures
    groups: list[StatsGroupOut] | None = Field(default=None, description="仅在指定 group_by 时 Only with group_by")


class StaffingHour(BaseModel):
    hour: int
    arrivals_per_hour: float
    mean_service_s: int
    load: float = Field(description="话务量（爱尔兰） Offered load in erlangs")
    windows_needed: int
    p_within_target: float
    mean_wait_s: int | None


class StaffingOut(BaseModel):
    hall: str
    queue: str
    queue_name: str
    target_s: int
    percentile: float
    days: int
    from_: str = Field(alias="from")
    to: str
    open_days: int
    windows: int
    mean_service_s: int
    hours: list[StaffingHour]


STATS_FILE = {
    "description": "统计数据：JSON，或 format=csv / xlsx 时为文件 The figures, or a file with format=csv or xlsx",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/StatsOut"}},
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
    },
}


# --- online applications (网上办, docs/online.md) ---

UPLOADED_FILE = {
    "description": "申请材料文件（PDF、JPG、PNG） An uploaded file",
    "content": {mime: {"schema": {"type": "string", "format": "binary"}} for mime in ("application/pdf", "image/jpeg", "image/png")},
}


class ApplicationFileOut(BaseModel):
    id: int
    material: str
    original_name: str
    mime: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int
    sha256: str
    uploaded_at: str
    submitted_at: str | None = Field(description="送交预审的时间；此前申请人可删除 Sent to pre-review at")


class ApplicationMaterial(BaseModel):
    name: str
    required: bool
    form: str | None
    note: str | None
    listed: bool = Field(description="false：一次性告知书所列、事项清单之外的补正材料 A line of the supplement notice")
    files: list[ApplicationFileOut]


class ApplicationDelivery(BaseModel):
    method: Literal["pickup", "mail"]
    hall: str
    hall_name: str
    address: str | None
    waybill_no: str | None
    can_change: bool


class ApplicationHistoryEntry(BaseModel):
    state: CaseState
    state_name: str
    trigger: str
    trigger_name: str
    at: str
    note: str | None
    missing: list[str]


class ApplicationOut(BaseModel):
    case_no: str
    service: str
    service_name: str
    mode: Literal["online"]
    mode_name: str
    hall: str
    hall_name: str
    department_name: str
    state: CaseState
    state_name: str
    created_at: str
    accepted_at: str | None
    deadline: str | None
    remaining_workdays: int | None
    light: Light | None
    applicant: CaseApplicant
    missing: list[str]
    materials: list[ApplicationMaterial]
    delivery: ApplicationDelivery
    actions: list[Literal["upload", "submit", "supplement", "withdraw", "delivery"]]
    history: list[ApplicationHistoryEntry]
    documents: list[Literal["acceptance", "supplement", "refusal"]]


class ApplicationCreatedOut(ApplicationOut):
    token: str = Field(description="申请凭证：之后每次请求放在 X-Application-Token 头中 The access token")


class UploadOut(BaseModel):
    file: ApplicationFileOut
    application: ApplicationOut


class ApplicationAccessOut(BaseModel):
    case_no: str
    token: str


# --- supervision: the supervisor screen's snapshot and time-limit alerts (docs/scheduler.md) ---


class AlertOut(BaseModel):
    id: int
    hall: str
    case_no: str
    service_name: str
    department: str
    department_name: str
    assignee: Person | None
    light: Literal["yellow", "red"]
    previous_light: Literal["green", "yellow", "red"]
    deadline: str | None
    remaining_workdays: int | None
    at: str


class MonitorQueue(BaseModel):
    code: str
    name: str
    prefix: str
    waiting: int
    longest_wait_s: int = Field(description="等候最久者已等秒数 The longest current wait")
    avg_wait_s: int | None
    served: int


class MonitorTicket(BaseModel):
    id: int
    number: str
    queue: str
    state: Literal["called", "serving"]
    called_at: str | None
    started_at: str | None


class MonitorWindow(WindowOut):
    ticket: MonitorTicket | None


class MonitorToday(BaseModel):
    issued: int
    waiting: int
    served: int
    no_show: int
    expired: int
    avg_wait_s: int | None
    avg_service_s: int | None


class MonitorCase(BaseModel):
    case_no: str
    service_name: str
    mode: Mode
    state: CaseState
    state_name: str
    department: str
    department_name: str
    assignee: Person | None
    light: Literal["yellow", "red"]
    deadline: str
    remaining_workdays: int
    clock_paused: bool


class MonitorCases(BaseModel):
    running: int
    green: int
    yellow: int
    red: int
    items: list[MonitorCase] = Field(description="黄灯、红灯办件，红灯在前 Cases on yellow and red, red first")


class MonitorRectification(BaseModel):
    id: int
    state: str
    state_name: str
    deadline: str
    assignee: Person | None


class MonitorBadRating(BaseModel):
    id: int
    grade: int
    comment: str | None
    channel: str
    created_at: str
    ticket_number: str | None
    case_no: str | None
    window_number: int | None
    clerk: str | None
    rectification: MonitorRectification


class HourRow(BaseModel):
    hour: str
    issued: int
    served: int
    windows: int = Field(description="本小时有叫号、办理的窗口数 Windows at work in the hour")


class ModeCount(BaseModel):
    mode: Mode
    name: str
    count: int


class CasesByMode(BaseModel):
    days: int
    modes: list[ModeCount]


class OnTimeWeek(BaseModel):
    from_: str = Field(alias="from")
    decided: int
    on_time: int
    rate: float | None


class OnTime(BaseModel):
    days: int
    decided: int
    on_time: int
    rate: float | None
    weeks: list[OnTimeWeek]


class RatingDay(BaseModel):
    date: str
    count: int
    average: float | None
    bad: int


class MonitorCharts(BaseModel):
    tickets_per_hour: list[HourRow]
    cases_by_mode: CasesByMode
    on_time: OnTime
    ratings_by_day: list[RatingDay]


class CalledTooLongOut(BaseModel):
    kind: Literal["ticket_called"]
    ticket_id: int
    number: str
    queue: str
    queue_name: str
    window_number: int | None
    window_name: str | None
    clerk: Person | None
    called_at: str
    recalls: int
    minutes: int = Field(description="叫号至今分钟数 Minutes since the first call")
    light: Literal["yellow", "red"] = Field(description="超过 TICKET_CALLED_ALERT_MIN 黄，超过两倍红")


class MonitorHall(BaseModel):
    code: str
    name: str


class MonitorOut(BaseModel):
    hall: MonitorHall
    at: str
    queues: list[MonitorQueue]
    windows: list[MonitorWindow]
    today: MonitorToday
    cases: MonitorCases
    alerts: list[AlertOut]
    called_too_long: list[CalledTooLongOut] = Field(
        description="叫号后长时间未办理的号票 Tickets left called too long")
    bad_ratings: list[MonitorBadRating] = Field(description="待整改的差评 Bad ratings awaiting rectification")
    charts: MonitorCharts


class LabelsOut(BaseModel):
    case_states: dict[str, str] = Field(description="办件状态名称 Case state names, keyed by state")
    case_triggers: dict[str, str] = Field(description="办件操作名称 Case trigger names")
    modes: dict[str, str] = Field(description="办理方式名称 Mode names (五办 and 主题式服务)")
    ticket_states: dict[str, str] = Field(description="号票状态名称 Ticket state names")
    ticket_triggers: dict[str, str] = Field(description="号票操作名称 Ticket trigger names")
    suspend_kinds: dict[str, str] = Field(description="中止原因名称（行政许可法第四十五条） Suspension reasons")


def _list(model: type[BaseModel]) -> tuple[str, type[BaseModel]]:
    return ("list", model)


# (method, path, summary, who, body or query model, {status: answer model | list | None})
OPERATIONS = [
    ("get", "/halls", "服务大厅列表 Halls", "public", None, {200: _list(HallOut)}),
    ("get", "/halls/{hall_code}/queues", "队列及等候人数 Queues with waiting counts", "public", None, {200: _list(QueueOut), 404: Error}),
    ("get", "/halls/{hall_code}/windows", "窗口列表 Windows", "staff", None, {200: _list(WindowOut), 401: Error, 403: Error, 404: Error}),
    ("get", "/halls/{hall_code}/board", "叫号屏快照 Board snapshot", "public", None, {200: BoardOut, 404: Error}),
    ("post", "/halls/{hall_code}/tickets", "取号；或凭预约码（appointment_code）签到取优先号 Take a ticket, or check a booking in", "public", schemas.TicketRequest, {201: TicketOut, 400: Error, 404: Error, 409: Error, 429: Error}),
    ("get", "/halls/{hall_code}/tickets", "按号码查本大厅今日号票（自助终端评价用） Today's ticket by its number", "public", schemas.TicketNumberQuery, {200: TicketOut, 400: Error, 404: Error, 429: Error}),
    ("get", "/tickets/{ticket_id}", "号票状态 Ticket", "public", None, {200: TicketOut, 404: Error}),
    ("get", "/tickets/{ticket_id}/history", "号票流转记录 Ticket history", "staff", None, {200: _list(TicketHistoryEntry), 401: Error, 403: Error, 404: Error}),
    ("post", "/tickets/{ticket_id}/{trigger}", "号票操作（recall/start/finish/no_show/requeue/transfer/cancel） Ticket trigger", "staff", schemas.TransferRequest, {200: TicketOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error}),
    ("post", "/windows/{window_id}/call-next", "叫下一号 Call next", "staff", None, {200: TicketOut, 204: None, 401: Error, 403: Error, 404: Error, 409: Error}),
    ("post", "/windows/{window_id}/status", "开窗、暂停、关窗 Open, pause or close a window", "staff", schemas.WindowStatusRequest, {200: WindowOut, 400: Error, 401: Error, 403: Error, 404: Error}),
    ("get", "/windows/{window_id}/desk", "窗口工作台：当前号票、队列、本人今日数据 The clerk's desk", "staff", None, {200: DeskOut, 401: Error, 403: Error, 404: Error}),
    ("get", "/services", "事项清单 Item list", "public", schemas.ServiceQuery, {200: _list(ServiceOut), 400: Error}),
    ("get", "/services/{code}", "事项及办事指南 Item with its guide", "public", None, {200: ServiceDetailOut, 404: Error}),
    ("post", "/cases", "登记办件（前台综合受理） Open a case", "staff", schemas.CaseRequest, {201: CaseOut, 400: Error, 401: Error, 403: Error}),
    ("get", "/cases", "办件列表 Cases", "staff", schemas.CaseListQuery, {200: CaseListOut, 400: Error, 401: Error, 403: Error}),
    ("get", "/cases/{case_no}", "办件详情 Case", "staff", None, {200: CaseOut, 401: Error, 403: Error, 404: Error}),
    ("post", "/cases/{case_no}/transitions", "办件操作（受理、审批、出件…） Fire a case trigger", "staff", schemas.TransitionRequest, {200: CaseOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error}),
    ("get", "/cases/{case_no}/documents/{kind}", "办件文书 PDF（受理、容缺受理、一次性告知、不予受理、办结通知书） Case document", "staff", None, {200: "pdf", 401: Error, 403: Error, 404: Error}),
    ("get", "/departments/{code}/approvers", "部门审批人员 Approvers of a department", "staff", None, {200: _list(Person), 401: Error, 403: Error, 404: Error}),
    ("get", "/public/cases/{case_no}", "办件进度查询（凭手机号） Public progress", "public", schemas.ProgressQuery, {200: ProgressOut, 400: Error, 404: Error, 429: Error}),
    ("get", "/halls/{hall_code}/slots", "预约时段及余号（首次查询时生成当日时段） Bookable slots of a queue on a day", "public", schemas.SlotQuery, {200: _list(SlotOut), 400: Error, 404: Error, 429: Error}),
    ("post", "/appointments", "预约取号时段 Book a slot", "public", schemas.AppointmentRequest, {201: AppointmentOut, 400: Error, 403: Error, 409: Error, 429: Error}),
    ("get", "/appointments/{code}", "查询我的预约（凭手机号） Look up a booking", "public", schemas.AppointmentPhoneQuery, {200: AppointmentOut, 400: Error, 404: Error, 429: Error}),
    ("delete", "/appointments/{code}", "取消预约（凭手机号），释放名额 Cancel a booking", "public", schemas.AppointmentPhoneQuery, {200: AppointmentOut, 400: Error, 404: Error, 409: Error, 429: Error}),
    ("post", "/ratings", "好差评：评价已办结的号票或已送达的办件 Rate a ticket or a case", "public", schemas.RatingRequest, {201: RatingOut, 400: Error, 409: Error, 429: Error}),
    ("get", "/rectifications", "差评整改事项 Rectification items", "staff", schemas.RectificationListQuery, {200: RectificationListOut, 400: Error, 401: Error, 403: Error, 404: Error}),
    ("get", "/rectifications/{rectification_id}", "差评整改事项详情 Rectification item", "staff", None, {200: RectificationOut, 401: Error, 403: Error, 404: Error}),
    ("post", "/rectifications/{rectification_id}/assign", "分派整改责任人 Assign", "staff", schemas.AssignRequest, {200: RectificationOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error}),
    ("post", "/rectifications/{rectification_id}/follow-up", "督办跟进记录 Follow-up note", "staff", schemas.FollowUpRequest, {200: RectificationOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error}),
    ("post", "/rectifications/{rectification_id}/close", "整改办结 Close with what was done", "staff", schemas.CloseRequest, {200: RectificationOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error}),
    ("get", "/halls/{hall_code}/stats", "五办统计（可按模式、队列、窗口、人员、部门分组；可导出 CSV、XLSX） Figures", "staff", schemas.StatsQuery, {200: STATS_FILE, 400: Error, 401: Error, 403: Error, 404: Error}),
    ("get", "/halls/{hall_code}/queues/{queue_code}/staffing", "窗口配置测算（Erlang C） Windows needed by hour", "staff", schemas.StaffingQuery, {200: StaffingOut, 400: Error, 401: Error, 403: Error, 404: Error}),
    ("get", "/services/{code}/materials/{material_id}/guide", "申请材料说明 PDF（material_id：材料在清单中的序号，从 1 起） Material guide", "public", None, {200: "pdf", 404: Error, 429: Error}),
    ("post", "/public/applications", "网上申请（草稿），返回申请凭证 Start an online application", "public", schemas.ApplicationRequest, {201: ApplicationCreatedOut, 400: Error, 429: Error}),
    ("post", "/public/applications/access", "找回申请凭证（办件编号、手机号、身份证号） Recover the access token", "public", schemas.AccessRequest, {200: ApplicationAccessOut, 400: Error, 404: Error, 429: Error}),
    ("get", "/public/applications/{case_no}", "我的网上申请（X-Application-Token） My application", "public", None, {200: ApplicationOut, 401: Error, 404: Error, 429: Error}),
    ("post", "/public/applications/{case_no}/files", "上传申请材料（multipart：material、file） Upload a material", "public", schemas.UploadForm, {201: UploadOut, 400: Error, 401: Error, 404: Error, 409: Error, 413: Error, 429: Error}),
    ("get", "/public/applications/{case_no}/files/{file_id}", "下载本人上传的材料 My uploaded file", "public", None, {200: UPLOADED_FILE, 401: Error, 404: Error, 429: Error}),
    ("delete", "/public/applications/{case_no}/files/{file_id}", "删除尚未提交的材料 Remove a file not yet sent", "public", None, {200: ApplicationOut, 401: Error, 404: Error, 409: Error, 429: Error}),
    ("post", "/public/applications/{case_no}/submit", "提交网上预审 Submit for pre-review", "public", schemas.ApplicantNoteRequest, {200: ApplicationOut, 400: Error, 401: Error, 404: Error, 409: Error, 429: Error}),
    ("post", "/public/applications/{case_no}/supplement", "网上补正（已上传补正材料后） Send the supplement", "public", schemas.ApplicantNoteRequest, {200: ApplicationOut, 400: Error, 401: Error, 404: Error, 409: Error, 429: Error}),
    ("post", "/public/applications/{case_no}/withdraw", "撤回申请 Withdraw", "public", schemas.ApplicantNoteRequest, {200: ApplicationOut, 400: Error, 401: Error, 404: Error, 409: Error, 429: Error}),
    ("put", "/public/applications/{case_no}/delivery", "选择领取方式：大厅领取或邮寄 Choose pickup or mail", "public", schemas.Delivery, {200: ApplicationOut, 400: Error, 401: Error, 404: Error, 409: Error, 429: Error}),
    ("get", "/public/applications/{case_no}/documents/{kind}", "本人的受理、一次性告知、不予受理通知书 PDF My notices", "public", None, {200: "pdf", 401: Error, 404: Error, 429: Error}),
    ("get", "/cases/{case_no}/files", "办件的网上申请材料 Uploaded files of a case", "staff", None, {200: _list(ApplicationFileOut), 401: Error, 403: Error, 404: Error}),
    ("get", "/cases/{case_no}/files/{file_id}", "查看网上申请材料 An uploaded file", "staff", None, {200: UPLOADED_FILE, 401: Error, 403: Error, 404: Error}),
    ("get", "/halls/{hall_code}/monitor", "监督大屏快照：队列、窗口、今日数据、黄红灯办件、预警、差评、图表 Supervisor snapshot", "staff", None, {200: MonitorOut, 401: Error, 403: Error, 404: Error}),
    ("get", "/halls/{hall_code}/alerts", "限时办结预警（转黄灯、红灯），最新在前 Time-limit alerts", "staff", schemas.AlertListQuery, {200: _list(AlertOut), 400: Error, 401: Error, 403: Error, 404: Error}),
    ("get", "/labels", "状态、操作与办理方式的名称 Names of states, triggers and modes", "public", None,
     {200: LabelsOut, 429: Error}),
    ("get", "/openapi.json", "本接口说明 This document", "public", None, {200: None}),
]

ANSWER_MODELS = [Error, HallOut, QueueOut, WindowOut, TicketOut, TicketHistoryEntry, BoardOut, DeskOut,
                 ServiceOut, ServiceDetailOut, HealthOut, CaseOut, CaseListOut, Person, ProgressOut,
                 SlotOut, AppointmentOut]
ANSWER_MODELS += [RatingOut, RectificationOut, RectificationListOut, StatsOut, StaffingOut]  # docs/ratings.md
ANSWER_MODELS += [ApplicationOut, ApplicationCreatedOut, ApplicationFileOut, UploadOut, ApplicationAccessOut]  # docs/online.md
ANSWER_MODELS += [AlertOut, MonitorOut]  # docs/scheduler.md
ANSWER_MODELS += [LabelsOut]  # the screens' names (api/labels.py)
REF = "#/components/schemas/{model}"


def _components() -> dict:
    bodies = [op[4] for op in OPERATIONS if op[4] is not None and op[0] in ("post", "put")]
    models = [(m, "validation") for m in bodies] + [(m, "serialization") for m in ANSWER_MODELS]
    _, top = models_json_schema(models, ref_template=REF)
    return top.get("$defs", {})



def _path_parameters(path: str) -> list[dict]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer"} if name.endswith("_id") else {"type": "string"}}
        for name in names
    ]


def _answer(status: int, model) -> dict:
    if isinstance(model, dict):
        return model  # described in full (several media types)
    if model == "pdf":
        return {"description": "PDF", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
    if model is None:
        return {"description": "无内容 No content" if status == 204 else "OK"}
    if isinstance(model, tuple):
        schema = {"type": "array", "items": {"$ref": REF.format(model=model[1].__name__)}}
    else:
        schema = {"$ref": REF.format(model=model.__name__)}
    return {"description": str(status), "content": {"application/json": {"schema": schema}}}





# The applicant's access token (api/online.py), answered when the application is made or recovered.
APPLICATION_TOKEN = {"name": "X-Application-Token", "in": "header", "required": True,
                     "schema": {"type": "string"},
                     "description": "申请凭证 The access token of the application"}


def build_spec() -> dict:
    """Describe every operation of the API: the routes' own declarations, then the table's rows left."""
    spec = build_declared_spec(current_app)
    paths: dict[str, dict] = spec["paths"]
    for method, path, summary, who, inputs, answers in OPERATIONS:
        if method in paths.get("/api/v1" + path, {}):
            continue
        operation: dict = {"summary": summary, "parameters": _path_parameters(path),
                           "responses": {str(status): _answer(status, model) for status, model in answers.items()}}
        if who == "staff":
            operation["security"] = [{"bearer": []}]
        if method == "post":  # queue_server/idempotency.py
            operation["parameters"].append(IDEMPOTENCY_KEY)
            operation["responses"].setdefault("409", _answer(409, Error))
        if inputs is not None and method in ("get", "delete"):
            operation["parameters"] += _query_parameters(inputs)
        elif inputs is not None:
            media = getattr(inputs, "content_type", "application/json")  # uploads are multipart/form-data
            operation["requestBody"] = {
                "required": path != "/tickets/{ticket_id}/{trigger}" and inputs is not schemas.ApplicantNoteRequest,
                "content": {media: {"schema": {"$ref": REF.format(model=inputs.__name__)}}},
            }
        if path.startswith("/public/applications/{case_no}"):
            operation["parameters"].append(APPLICATION_TOKEN)
        # Any request may carry a malformed query string or path value (queue_server/validation.py): 400.
        operation["responses"].setdefault("400", _answer(400, Error))
        # Any request may meet a database that cannot answer in time (queue_server/db.py): 503, retry later.
        operation["responses"].setdefault("503", UNAVAILABLE)
        paths.setdefault("/api/v1" + path, {})[method] = operation
    spec["components"]["schemas"] = {**_components(), **spec["components"]["schemas"]}
    spec["paths"] = dict(sorted(paths.items()))
    return spec


@bp.get("/openapi.json")
def openapi_spec():
    spec = current_app.extensions.get("wuban_openapi")
    if spec is None:
        spec = current_app.extensions["wuban_openapi"] = build_spec()
    return spec
