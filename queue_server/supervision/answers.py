"""What the supervision API answers: time-limit alerts, ratings (好差评) and rectification.

Each model is built from the row it shows (``Model.model_validate(row)``): a ``CaseAlert``, ``Rating``
or ``Rectification``. Times are written in the hall's time zone (``clock.to_hall_iso``), dates as ISO
dates. The supervisor's snapshot is answered by ``monitor_answers``, the figures and the staffing
what-if by ``stats_answers``; both build on the parts here.
"""

from datetime import date
from typing import Any, Literal

from pydantic import ConfigDict, Field, computed_field

from queue_server.api.answers import CompleteAnswer, HallTime, from_path, name_in
from queue_server.calendar import clock
from queue_server.cases.answers import Mode, Person
from queue_server.supervision.models import BAD_GRADES
from queue_server.supervision.ratings import CHANNEL_NAMES, GRADE_NAMES
from workflows import case as case_flow
from workflows import rectification as rect_flow

RatingChannel = Literal["evaluator", "kiosk", "status_page", "portal"]
RectificationState = Literal["open", "assigned", "closed"]


class SupervisionAnswer(CompleteAnswer):
    """Base of the supervision answers: every field is always present (documented as required)."""


def rate_of(part: int, whole: int) -> float | None:
    """Give part / whole to four places, or None without a whole."""
    return round(part / whole, 4) if whole else None


def share_on_time(**field) -> Any:
    """Declare the computed share of the decided cases that were decided on time."""
    return computed_field(
        property(lambda answer: rate_of(answer.on_time, answer.decided)), return_type=float | None, **field
    )


def bad_ones(grades: list[int]) -> int:
    """Count the bad grades (1 and 2) among grades."""
    return sum(1 for grade in grades if grade in BAD_GRADES)


# --- time-limit alerts ---


class AlertOut(SupervisionAnswer):
    id: int
    hall: str = from_path("case", "hall", "code")
    case_no: str = from_path("case", "case_no")
    service_name: str = from_path("case", "service", "name")
    department: str = from_path("case", "department", "code")
    department_name: str = from_path("case", "department", "name")
    assignee: Person | None = from_path("case", "assignee", default=None)
    light: Literal["yellow", "red"]
    previous_light: Literal["green", "yellow", "red"]
    deadline: date | None
    remaining_workdays: int | None
    at: HallTime = Field(validation_alias="raised_at")


# --- ratings (好差评) and rectification (docs/ratings.md) ---


class RectificationRef(SupervisionAnswer):
    id: int
    state: RectificationState
    deadline: date


class RatingOut(SupervisionAnswer):
    id: int
    ticket_id: int | None
    case_no: str | None = from_path("case", "case_no", default=None)
    hall: str = from_path("hall", "code")
    grade: int = Field(ge=1, le=5)
    comment: str | None
    channel: RatingChannel
    created_at: HallTime
    rectification: RectificationRef | None = Field(
        description="差评（1、2 分）生成的整改事项 The item a bad rating opened"
    )

    grade_name = name_in(GRADE_NAMES, "grade")

    @computed_field
    @property
    def bad(self) -> bool:
        return self.grade in BAD_GRADES


class RatedTicket(SupervisionAnswer):
    id: int
    number: str
    queue: str = from_path("queue", "code")
    queue_name: str = from_path("queue", "name")


class RatedCase(SupervisionAnswer):
    case_no: str
    service_name: str = from_path("service", "name")
    mode: Mode
    department: str = from_path("department", "code")
    department_name: str = from_path("department", "name")

    mode_name = name_in(case_flow.MODE_NAMES, "mode")


class RatedWindow(SupervisionAnswer):
    number: int
    name: str


class RatingDetail(SupervisionAnswer):
    id: int
    hall: str = from_path("hall", "code")
    grade: int
    comment: str | None
    channel: RatingChannel
    created_at: HallTime
    ticket: RatedTicket | None
    case: RatedCase | None
    window: RatedWindow | None
    clerk: Person | None

    grade_name = name_in(GRADE_NAMES, "grade")

    channel_name = name_in(CHANNEL_NAMES, "channel")


class RectificationHistoryEntry(SupervisionAnswer):
    model_config = ConfigDict(serialize_by_alias=True)

    trigger: Literal["open", "assign", "follow_up", "close"]
    from_: RectificationState | None = Field(validation_alias="from_state", serialization_alias="from")
    to: RectificationState = Field(validation_alias="to_state")
    actor: str | None = from_path("actor", "username", default=None)
    actor_name: str | None = from_path("actor", "name", default=None)
    at: HallTime
    note: str | None

    trigger_name = name_in(rect_flow.TRIGGER_NAMES, "trigger")


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

    state_name = name_in(rect_flow.STATE_NAMES, "state")

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
