"""What the queue API reads: a ticket taken (or a booking checked in), a ticket's number, a window."""

import re
from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, StringConstraints, model_validator

from queue_server.validation import Body, Code, Phone, Query, SingleLine, one_of

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
    priority_reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), SingleLine]
        | None
    ) = None
    service: Code | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _queue_or_booking(self) -> "TicketRequest":
        one_of(self.queue, self.appointment_code, "queue|请选择队列，或凭预约码签到（二者选一）")
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


class HallListQuery(Query):
    """GET /halls: ``parent`` lists that hall's children only."""

    references: ClassVar[dict[str, str]] = {"parent": "hall"}
    parent: Code | None = None


class TicketNumberQuery(Query):
    number: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{1,4}[0-9]{3,6}$")
    ]


class TransferRequest(Body):
    queue: Code


class CallNextRequest(Body):
    # 办结并叫号 / 过号并叫号: let the ticket the window holds go in the same request.
    release: Literal["finish", "no_show"] | None = None


class WindowStatusRequest(Body):
    status: Literal["open", "paused", "closed"]
