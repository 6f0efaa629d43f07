"""What the supervisor screen's snapshot answers (``monitor.Snapshot`` and its parts, docs/supervision.md).

Each model is built from the row it shows (``Model.model_validate(row)``); times in the hall's time zone.
"""

from datetime import date
from statistics import mean
from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

from queue_server.api.answers import HallTime, from_path, name_in
from queue_server.cases.answers import CaseState, Mode, Person
from queue_server.queue.answers import WindowOut
from queue_server.supervision.answers import (
    AlertOut,
    SupervisionAnswer,
    bad_ones,
    share_on_time,
)
from workflows import case as case_flow
from workflows import rectification as rect_flow


class MonitorHall(SupervisionAnswer):
    code: str
    name: str


class MonitorQueue(SupervisionAnswer):
    code: str = from_path("queue", "code")
    name: str = from_path("queue", "name")
    prefix: str = from_path("queue", "prefix")
    waiting: int
    longest_wait_s: int = Field(description="等候最久者已等秒数 The longest current wait")
    avg_wait_s: int | None
    served: int


class MonitorTicket(SupervisionAnswer):
    id: int
    number: str
    queue: str = from_path("queue", "code")
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
    case_no: str = from_path("case", "case_no")
    service_name: str = from_path("case", "service", "name")
    mode: Mode = from_path("case", "mode")
    state: CaseState = from_path("case", "state")
    department: str = from_path("case", "department", "code")
    department_name: str = from_path("case", "department", "name")
    assignee: Person | None = from_path("case", "assignee", default=None)
    light: Literal["yellow", "red"]
    deadline: date
    remaining_workdays: int
    clock_paused: bool = Field(validation_alias="paused")

    state_name = name_in(case_flow.STATE_NAMES, "state")


class MonitorCases(SupervisionAnswer):
    running: int
    green: int
    yellow: int
    red: int
    items: list[MonitorCase] = Field(
        description="黄灯、红灯办件，红灯在前 Cases on yellow and red, red first"
    )


class MonitorRectification(SupervisionAnswer):
    id: int
    state: str
    deadline: date
    assignee: Person | None

    state_name = name_in(rect_flow.STATE_NAMES, "state")


class MonitorBadRating(SupervisionAnswer):
    id: int
    grade: int
    comment: str | None
    channel: str
    created_at: HallTime
    ticket_number: str | None = from_path("ticket", "number", default=None)
    case_no: str | None = from_path("case", "case_no", default=None)
    window_number: int | None = from_path("window", "number", default=None)
    clerk: str | None = from_path("clerk", "name", default=None)
    rectification: MonitorRectification


class HourRow(SupervisionAnswer):
    hour: str
    issued: int
    served: int
    windows: int = Field(description="本小时有叫号、办理的窗口数 Windows at work in the hour")


class ModeCount(SupervisionAnswer):
    mode: Mode
    count: int

    name = name_in(case_flow.MODE_NAMES, "mode")


class CasesByMode(SupervisionAnswer):
    days: int
    modes: list[ModeCount]


class OnTimeWeek(SupervisionAnswer):
    model_config = ConfigDict(serialize_by_alias=True)

    from_: date = Field(validation_alias="start", serialization_alias="from")
    decided: int
    on_time: int

    rate = share_on_time()


class OnTime(SupervisionAnswer):
    days: int
    decided: int
    on_time: int
    weeks: list[OnTimeWeek]

    rate = share_on_time()


def _day_average(grades: list[int]) -> float | int | None:
    # statistics.mean keeps a whole average of whole grades an integer (1, not 1.0), as the chart has it.
    return round(mean(grades), 2) if grades else None


# A number that stays as computed: an integer average is written 1, a fractional one 1.5.
DayAverage = Annotated[
    int | float | None,
    BeforeValidator(_day_average),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "null"}]}),
]


class RatingDay(SupervisionAnswer):
    date: date
    count: Annotated[int, BeforeValidator(len)] = Field(validation_alias="grades")
    average: DayAverage = Field(validation_alias="grades")
    bad: Annotated[int, BeforeValidator(bad_ones)] = Field(validation_alias="grades")


class MonitorCharts(SupervisionAnswer):
    tickets_per_hour: list[HourRow]
    cases_by_mode: CasesByMode
    on_time: OnTime
    ratings_by_day: list[RatingDay]


class CalledTooLongOut(SupervisionAnswer):
    kind: Literal["ticket_called"] = "ticket_called"
    ticket_id: int = from_path("ticket", "id")
    number: str = from_path("ticket", "number")
    queue: str = from_path("ticket", "queue", "code")
    queue_name: str = from_path("ticket", "queue", "name")
    window_number: int | None = from_path("ticket", "window", "number", default=None)
    window_name: str | None = from_path("ticket", "window", "name", default=None)
    clerk: Person | None = from_path("ticket", "window", "clerk", default=None)
    called_at: HallTime = from_path("ticket", "called_at")
    recalls: int = from_path("ticket", "recalls")
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
        description="叫号后长时间未办理的号票 Tickets left called too long"
    )
    bad_ratings: list[MonitorBadRating] = Field(description="待整改的差评 Bad ratings awaiting rectification")
    charts: MonitorCharts
