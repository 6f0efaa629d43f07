"""What the supervision API answers: alerts, the supervisor's snapshot, ratings, rectification, figures.

Each model is built from the row it shows (``Model.model_validate(row)``): a ``CaseAlert``, ``Rating``
or ``Rectification``, or the small rows the operations return (``monitor.Snapshot`` and its parts,
``stats.HallFigures``, the staffing table of ``queue.estimates``). Times are written in the hall's time
zone (``clock.to_hall_iso``), dates as ISO dates.
"""

from datetime import date, datetime
from statistics import mean
from typing import Annotated, Literal

from pydantic import AliasPath, BeforeValidator, ConfigDict, Field, WithJsonSchema, computed_field

from queue_server.api.answers import Answer
from queue_server.calendar import clock
from queue_server.cases.answers import Person
from queue_server.queue.answers import WindowOut
from queue_server.supervision.models import BAD_GRADES
from queue_server.supervision.ratings import CHANNEL_NAMES, GRADE_NAMES
from workflows import case as case_flow
from workflows import rectification as rect_flow

Mode = Literal["immediate", "online", "once", "agent", "citywide", "bundle"]
CaseState = Literal[tuple(case_flow.STATES)]
RatingChannel = Literal["evaluator", "kiosk", "status_page", "portal"]
RectificationState = Literal["open", "assigned", "closed"]


def _hall_iso(value):
    return clock.to_hall_iso(value) if isinstance(value, datetime) else value


# A time as the contract writes it: ISO 8601 with the hall's offset.
HallTime = Annotated[str, BeforeValidator(_hall_iso)]


def _answered_always(schema: dict) -> None:
    # A default only fills a value the row lacks; the answer always carries every field.
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


class SupervisionAnswer(Answer):
    """Base of the supervision answers: every field is always present (documented as required)."""

    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True,
                              json_schema_extra=_answered_always)


# --- time-limit alerts ---


class AlertOut(SupervisionAnswer):
    id: int
    hall: str = Field(validation_alias=AliasPath("case", "hall", "code"))
    case_no: str = Field(validation_alias=AliasPath("case", "case_no"))
    service_name: str = Field(validation_alias=AliasPath("case", "service", "name"))
    department: str = Field(validation_alias=AliasPath("case", "department", "code"))
    department_name: str = Field(validation_alias=AliasPath("case", "department", "name"))
    assignee: Person | None = Field(None, validation_alias=AliasPath("case", "assignee"))
    light: Literal["yellow", "red"]
    previous_light: Literal["green", "yellow", "red"]
    deadline: date | None
    remaining_workdays: int | None
    at: HallTime = Field(validation_alias="raised_at")


# --- the supervisor screen's snapshot ---


class MonitorHall(SupervisionAnswer):
    code: str
    name: str


class MonitorQueue(SupervisionAnswer):
    code: str = Field(validation_alias=AliasPath("queue", "code"))
    name: str = Field(validation_alias=AliasPath("queue", "name"))
    prefix: str = Field(validation_alias=AliasPath("queue", "prefix"))
    waiting: int
    longest_wait_s: int = Field(description="等候最久者已等秒数 The longest current wait")
    avg_wait_s: int | None
    served: int


class MonitorTicket(SupervisionAnswer):
    id: int
    number: str
    queue: str = Field(validation_alias=AliasPath("queue", "code"))
    state: Literal["called", "serving"]
    called_at: HallTime | None
    started_at: HallTime | None


class MonitorWindow(WindowOut):
    ticket: MonitorTicket | None


class MonitorToday(SupervisionAnswer):
    issued: int
    waiting: int
    served: int
    no_show: int
    expired: int
    avg_wait_s: int | None
    avg_service_s: int | None


class MonitorCase(SupervisionAnswer):
    case_no: str = Field(validation_alias=AliasPath("case", "case_no"))
    service_name: str = Field(validation_alias=AliasPath("case", "service", "name"))
    mode: Mode = Field(validation_alias=AliasPath("case", "mode"))
    state: CaseState = Field(validation_alias=AliasPath("case", "state"))
    department: str = Field(validation_alias=AliasPath("case", "department", "code"))
    department_name: str = Field(validation_alias=AliasPath("case", "department", "name"))
    assignee: Person | None = Field(None, validation_alias=AliasPath("case", "assignee"))
    light: Literal["yellow", "red"] = Field(validation_alias=AliasPath("timer", "light"))
    deadline: date = Field(validation_alias=AliasPath("timer", "deadline"))
    remaining_workdays: int = Field(validation_alias=AliasPath("timer", "remaining_workdays"))
    clock_paused: bool = Field(validation_alias=AliasPath("timer", "paused"))

    @computed_field
    @property
    def state_name(self) -> str:
        return case_flow.STATE_NAMES[self.state]


class MonitorCases(SupervisionAnswer):
    running: int
    green: int
    yellow: int
    red: int
    items: list[MonitorCase] = Field(
        description="黄灯、红灯办件，红灯在前 Cases on yellow and red, red first")


class MonitorRectification(SupervisionAnswer):
    id: int
    state: str
    deadline: date
    assignee: Person | None

    @computed_field
    @property
    def state_name(self) -> str:
        return rect_flow.STATE_NAMES[self.state]


class MonitorBadRating(SupervisionAnswer):
    id: int
    grade: int
    comment: str | None
    channel: str
    created_at: HallTime
    ticket_number: str | None = Field(None, validation_alias=AliasPath("ticket", "number"))
    case_no: str | None = Field(None, validation_alias=AliasPath("case", "case_no"))
    window_number: int | None = Field(None, validation_alias=AliasPath("window", "number"))
    clerk: str | None = Field(None, validation_alias=AliasPath("clerk", "name"))
    rectification: MonitorRectification


class HourRow(SupervisionAnswer):
    hour: str
    issued: int
    served: int
    windows: int = Field(description="本小时有叫号、办理的窗口数 Windows at work in the hour")


class ModeCount(SupervisionAnswer):
    mode: Mode
    count: int

    @computed_field
    @property
    def name(self) -> str:
        return case_flow.MODE_NAMES[self.mode]


class CasesByMode(SupervisionAnswer):
    days: int
    modes: list[ModeCount]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class OnTimeWeek(SupervisionAnswer):
    model_config = ConfigDict(serialize_by_alias=True)

    from_: date = Field(validation_alias="start", serialization_alias="from")
    decided: int
    on_time: int

    @computed_field
    @property
    def rate(self) -> float | None:
        return _rate(self.on_time, self.decided)


class OnTime(SupervisionAnswer):
    days: int
    decided: int
    on_time: int
    weeks: list[OnTimeWeek]

    @computed_field
    @property
    def rate(self) -> float | None:
        return _rate(self.on_time, self.decided)


def _average_grade(grades: list[int]) -> float | None:
    return round(sum(grades) / len(grades), 2) if grades else None


def _day_average(grades: list[int]) -> float | int | None:
    # statistics.mean keeps a whole average of whole grades an integer (1, not 1.0), as the chart has it.
    return round(mean(grades), 2) if grades else None


# A number that stays as computed: an integer average is written 1, a fractional one 1.5.
DayAverage = Annotated[int | float | None, BeforeValidator(_day_average),
                       WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "null"}]})]


def _bad_ones(grades: list[int]) -> int:
    return sum(1 for grade in grades if grade in BAD_GRADES)


class RatingDay(SupervisionAnswer):
    date: date
    count: Annotated[int, BeforeValidator(len)] = Field(validation_alias="grades")
    average: DayAverage = Field(validation_alias="grades")
    bad: Annotated[int, BeforeValidator(_bad_ones)] = Field(validation_alias="grades")


class MonitorCharts(SupervisionAnswer):
    tickets_per_hour: list[HourRow]
    cases_by_mode: CasesByMode
    on_time: OnTime
    ratings_by_day: list[RatingDay]


class CalledTooLongOut(SupervisionAnswer):
    kind: Literal["ticket_called"] = "ticket_called"
    ticket_id: int = Field(validation_alias=AliasPath("ticket", "id"))
    number: str = Field(validation_alias=AliasPath("ticket", "number"))
    queue: str = Field(validation_alias=AliasPath("ticket", "queue", "code"))
    queue_name: str = Field(validation_alias=AliasPath("ticket", "queue", "name"))
    window_number: int | None = Field(None, validation_alias=AliasPath("ticket", "window", "number"))
    window_name: str | None = Field(None, validation_alias=AliasPath("ticket", "window", "name"))
    clerk: Person | None = Field(None, validation_alias=AliasPath("ticket", "window", "clerk"))
    called_at: HallTime = Field(validation_alias=AliasPath("ticket", "called_at"))
    recalls: int = Field(validation_alias=AliasPath("ticket", "recalls"))
    minutes: int = Field(description="叫号至今分钟数 Minutes since the first call")
    light: Literal["yellow", "red"] = Field(description="超过 TICKET_CALLED_ALERT_MIN 黄，超过两倍红")


class MonitorOut(SupervisionAnswer):
    hall: MonitorHall
    at: HallTime
    queues: list[MonitorQueue]
    windows: list[MonitorWindow]
    today: MonitorToday
    cases: MonitorCases
    alerts: list[AlertOut]
    called_too_long: list[CalledTooLongOut] = Field(
        description="叫号后长时间未办理的号票 Tickets left called too long")
    bad_ratings: list[MonitorBadRating] = Field(description="待整改的差评 Bad ratings awaiting rectification")
    charts: MonitorCharts


# --- ratings (好差评) and rectification (docs/ratings.md) ---


class RectificationRef(SupervisionAnswer):
    id: int
    state: RectificationState
    deadline: date


class RatingOut(SupervisionAnswer):
    id: int
    ticket_id: int | None
    case_no: str | None = Field(None, validation_alias=AliasPath("case", "case_no"))
    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    grade: int = Field(ge=1, le=5)
    comment: str | None
    channel: RatingChannel
    created_at: HallTime
    rectification: RectificationRef | None = Field(
        description="差评（1、2 分）生成的整改事项 The item a bad rating opened")

    @computed_field
    @property
    def grade_name(self) -> str:
        return GRADE_NAMES[self.grade]

    @computed_field
    @property
    def bad(self) -> bool:
        return self.grade in BAD_GRADES


class RatedTicket(SupervisionAnswer):
    id: int
    number: str
    queue: str = Field(validation_alias=AliasPath("queue", "code"))
    queue_name: str = Field(validation_alias=AliasPath("queue", "name"))


class RatedCase(SupervisionAnswer):
    case_no: str
    service_name: str = Field(validation_alias=AliasPath("service", "name"))
    mode: Mode
    department: str = Field(validation_alias=AliasPath("department", "code"))
    department_name: str = Field(validation_alias=AliasPath("department", "name"))

    @computed_field
    @property
    def mode_name(self) -> str:
        return case_flow.MODE_NAMES[self.mode]


class RatedWindow(SupervisionAnswer):
    number: int
    name: str


class RatingDetail(SupervisionAnswer):
    id: int
    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    grade: int
    comment: str | None
    channel: RatingChannel
    created_at: HallTime
    ticket: RatedTicket | None
    case: RatedCase | None
    window: RatedWindow | None
    clerk: Person | None

    @computed_field
    @property
    def grade_name(self) -> str:
        return GRADE_NAMES[self.grade]

    @computed_field
    @property
    def channel_name(self) -> str:
        return CHANNEL_NAMES[self.channel]


class RectificationHistoryEntry(SupervisionAnswer):
    model_config = ConfigDict(serialize_by_alias=True)

    trigger: Literal["open", "assign", "follow_up", "close"]
    from_: RectificationState | None = Field(validation_alias="from_state", serialization_alias="from")
    to: RectificationState = Field(validation_alias="to_state")
    actor: str | None = Field(None, validation_alias=AliasPath("actor", "username"))
    actor_name: str | None = Field(None, validation_alias=AliasPath("actor", "name"))
    at: HallTime
    note: str | None

    @computed_field
    @property
    def trigger_name(self) -> str:
        return rect_flow.TRIGGER_NAMES[self.trigger]


class RectificationOut(SupervisionAnswer):
    id: int
    state: RectificationState
    deadline: date
    assignee: Person | None
    action: str | None
    created_at: HallTime
    closed_at: HallTime | None
    rating: RatingDetail
    history: list[RectificationHistoryEntry] = Field(validation_alias="events")

    @computed_field
    @property
    def state_name(self) -> str:
        return rect_flow.STATE_NAMES[self.state]

    @computed_field
    @property
    def overdue(self) -> bool:
        return self.state != "closed" and self.deadline < clock.today()

    @computed_field
    @property
    def allowed_triggers(self) -> list[str]:
        return rect_flow.allowed_triggers(self.state)


class RectificationListOut(SupervisionAnswer):
    items: list[RectificationOut]
    total: int


# --- figures of a hall (五办统计) and the staffing what-if ---


def _mean_seconds(values: list[float]) -> int | None:
    return round(sum(values) / len(values)) if values else None


class TicketFigures(SupervisionAnswer):
    issued: int
    served: int
    no_show: int
    avg_wait_s: Annotated[int | None, BeforeValidator(_mean_seconds)] = Field(validation_alias="waits")
    avg_service_s: Annotated[int | None, BeforeValidator(_mean_seconds)] = Field(validation_alias="services")


class CaseFigures(SupervisionAnswer):
    by_mode: dict[Mode, int]
    decided: int
    on_time: int

    @computed_field
    @property
    def created(self) -> int:
        return sum(self.by_mode.values())

    @computed_field(description="期内办结中按时办结的比例 "
                                "Share of the cases decided in the period that were on time")
    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.decided)


def _by_grade(grades: list[int]) -> dict[str, int]:
    return {str(grade): grades.count(grade) for grade in range(1, 6)}


class RatingFigures(SupervisionAnswer):
    count: Annotated[int, BeforeValidator(len)] = Field(validation_alias="grades")
    average: Annotated[float | None, BeforeValidator(_average_grade)] = Field(validation_alias="grades")
    bad: Annotated[int, BeforeValidator(_bad_ones)] = Field(validation_alias="grades")
    by_grade: Annotated[dict[str, int], BeforeValidator(_by_grade)] = Field(validation_alias="grades")


class StatsGroupOut(SupervisionAnswer):
    key: str | None = Field(description="模式、队列、部门代码，窗口号或用户名；null 为未关联 "
                                        "Mode, queue or department code, window number or username; "
                                        "null: not attributable")
    name: str
    tickets: TicketFigures = Field(validation_alias="figures")
    cases: CaseFigures = Field(validation_alias="figures")
    ratings: RatingFigures = Field(validation_alias="figures")


class StatsOut(SupervisionAnswer):
    # ``groups`` is left out of the answer without group_by, so it is not required in the document.
    model_config = ConfigDict(serialize_by_alias=True, json_schema_serialization_defaults_required=False,
                              json_schema_extra=None)

    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    hall_name: str = Field(validation_alias=AliasPath("hall", "name"))
    from_: date = Field(validation_alias="start", serialization_alias="from")
    to: date = Field(validation_alias="end")
    group_by: Literal["mode", "queue", "window", "clerk", "department"] | None
    tickets: TicketFigures = Field(validation_alias="total")
    cases: CaseFigures = Field(validation_alias="total")
    ratings: RatingFigures = Field(validation_alias="total")
    groups: list[StatsGroupOut] | None = Field(None, exclude_if=lambda groups: groups is None,
                                               description="仅在指定 group_by 时 Only with group_by")


class FileAnswer(dict):
    """An answer object written in full (several media types) that names the model of its JSON.

    ``build_spec`` collects the models of an answer from its ``__args__`` (as of ``list[Model]``), so
    the model the JSON refers to is among the document's components.
    """

    def __init__(self, model: type[SupervisionAnswer], description: str, files: dict[str, dict]):
        super().__init__(description=description, content={
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}, **files})
        self.__args__ = (model,)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STATS_FILE = FileAnswer(
    StatsOut, "统计数据：JSON，或 format=csv / xlsx 时为文件 The figures, or a file with format=csv or xlsx",
    {"text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}}},
)


class StaffingHour(SupervisionAnswer):
    hour: int
    arrivals_per_hour: float
    mean_service_s: int
    load: float = Field(description="话务量（爱尔兰） Offered load in erlangs")
    windows_needed: int
    p_within_target: float
    mean_wait_s: int | None


class StaffingOut(SupervisionAnswer):
    model_config = ConfigDict(serialize_by_alias=True)

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
