"""What the queue API answers: halls, queues, windows, tickets, the board and the clerk's desk.

Each model is built from the row it shows (``Model.model_validate(row)``): an ORM object, or the
references the busiest paths return instead (``IssuedTicket``, ``WindowTicket``), or the small rows of
``tallies.QueueLine``, ``board.Board``, ``board.Call`` and ``desk.Desk``. Times are written in the
hall's time zone (``clock.to_hall_iso``).
"""

from typing import Literal

from pydantic import (
    AliasPath,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from queue_server.accounts.capabilities import ticket_rating_token
from queue_server.api.answers import CompleteAnswer, HallTime
from queue_server.queue import estimates
from queue_server.queue.tickets import waiting_ahead

TicketState = Literal["waiting", "called", "serving", "done", "no_show", "cancelled", "expired"]


class QueueAnswer(CompleteAnswer):
    """Base of the queue's answers: every field is required in the document, as the contract says."""


class HallOut(QueueAnswer):
    code: str
    name: str
    address: str
    level: Literal["district", "community", "station"] = Field(
        description="district 区行政服务中心, community 社区服务中心, station 小区政务服务站"
    )
    parent: str | None = Field(
        None,
        validation_alias=AliasPath("parent", "code"),
        description="上级大厅代码，区行政服务中心为 null The parent hall's code; null for a district hall",
    )


class QueueOut(QueueAnswer):
    code: str
    name: str
    prefix: str
    waiting: int
    est_wait_s: int


class WindowOut(QueueAnswer):
    id: int
    number: int
    name: str
    queues: list[str]
    status: Literal["open", "paused", "closed"]
    clerk: str | None
    # The evaluator shows the clerk's 工号 and photo (GET /windows/{id}/clerk-photo?v=clerk_photo_at).
    clerk_employee_no: str | None = Field(
        None, validation_alias=AliasPath("clerk", "employee_no"), description="窗口当前工作人员的工号"
    )
    clerk_photo_at: HallTime | None = Field(
        None,
        validation_alias=AliasPath("clerk", "photo_at"),
        description="窗口当前工作人员照片的上传时间；null：没有照片",
    )

    @field_validator("queues", mode="before")
    @classmethod
    def _queue_codes(cls, queues):
        return [queue if isinstance(queue, str) else queue.code for queue in queues]

    @field_validator("clerk", mode="before")
    @classmethod
    def _clerk_name(cls, clerk):
        return clerk if clerk is None or isinstance(clerk, str) else clerk.name


class TicketOut(QueueAnswer):
    id: int
    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    number: str
    queue: str = Field(validation_alias=AliasPath("queue", "code"))
    queue_name: str = Field(validation_alias=AliasPath("queue", "name"))
    priority: Literal["normal", "priority"]
    priority_reason: str | None
    state: TicketState
    window_number: int | None = Field(None, validation_alias=AliasPath("window", "number"))
    issued_at: HallTime
    called_at: HallTime | None
    recalls: int
    waiting_ahead: int | None = None
    est_wait_s: int | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _place_in_line(cls, row, handler):
        """Count a waiting ticket's place in line and expected wait (a ticket just issued knows its place)."""
        answer = handler(row)
        if answer.state == "waiting" and answer.waiting_ahead is None and not isinstance(row, dict | cls):
            ahead = getattr(row, "known_ahead", None)
            answer.waiting_ahead = waiting_ahead(row) if ahead is None else ahead
            answer.est_wait_s = estimates.estimated_wait_s(row.queue, answer.waiting_ahead)
        return answer


class IssuedTicketOut(TicketOut):
    """The answer that issues a ticket, and only that one: it also carries the secret that lets its
    holder rate the ticket (the ticket's QR code carries it too)."""

    rating_token: str = Field(
        "", description="评价凭证：持有号票者凭此评价（号票二维码中含有） The ticket's rating secret"
    )

    @model_validator(mode="after")
    def _token(self):
        self.rating_token = ticket_rating_token(self.id)
        return self


class TicketHistoryEntry(QueueAnswer):
    model_config = ConfigDict(serialize_by_alias=True)

    trigger: str
    from_: str | None = Field(validation_alias="from_state", serialization_alias="from")
    to: str = Field(validation_alias="to_state")
    actor: str | None = Field(None, validation_alias=AliasPath("actor", "username"))
    at: HallTime


# One call of a ticket at a window, as the board and the ticket_called event show it. ``call_id`` is the
# id of the call's history row: unique per call and recall, and growing, so a screen can tell a call it
# has already announced from a new one.
class CallOut(QueueAnswer):
    call_id: int = Field(validation_alias="id")
    number: str = Field(validation_alias=AliasPath("ticket", "number"))
    queue: str = Field(validation_alias=AliasPath("ticket", "queue", "code"))
    window_number: int = Field(validation_alias=AliasPath("window", "number"))
    window_name: str = Field(validation_alias=AliasPath("window", "name"))
    called_at: HallTime = Field(validation_alias=AliasPath("ticket", "called_at"))
    recalls: int = Field(validation_alias=AliasPath("ticket", "recalls"))

    @computed_field
    @property
    def announce(self) -> str:
        # The call as it is read out: 请A001号到3号窗口办理.
        return f"请{self.number}号到{self.window_number}号窗口办理"


class BoardQueue(QueueAnswer):
    code: str
    name: str
    waiting: int


# 办结公示: a result waiting at the hall's pickup window, the applicant masked (张*, 欧阳*娜).
class ReadyOut(QueueAnswer):
    case_no: str
    applicant: str
    service: str = Field(description="事项编码 Item code")
    service_name: str
    ready_at: HallTime | None = Field(description="到达出件窗口的时间 When the result came to the window")


class BoardOut(QueueAnswer):
    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    hall_name: str = Field(validation_alias=AliasPath("hall", "name"))
    seq: int
    calls: list[CallOut]
    queues: list[BoardQueue]
    ready: list[ReadyOut] = Field(description="办结公示：待领取的办件，新到在前 Results waiting for pickup")


class DeskQueue(QueueAnswer):
    code: str
    name: str
    waiting: int


class QueueName(QueueAnswer):
    code: str
    name: str


class ClerkToday(QueueAnswer):
    served: int
    no_show: int
    avg_wait_s: int | None
    avg_service_s: int | None


class DeskOut(QueueAnswer):
    window: WindowOut
    current: TicketOut | None
    held: list[TicketOut] = Field(
        description="窗口仍持有的号票（已叫号或办理中），最早叫号在前 "
        "Every ticket the window still holds, earliest call first"
    )
    queues: list[DeskQueue]
    transfer_queues: list[QueueName]
    today: ClerkToday
