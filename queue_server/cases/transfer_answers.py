"""What the transfer slip (流转单) endpoints answer."""

from pydantic import AliasPath, Field, ValidationInfo, model_validator

from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.answers import CaseAnswer, Derived, HallTime, MaybeHallTime
from queue_server.cases.models import CaseTransfer
from queue_server.cases.transfers import road_workdays


class TransferOut(CaseAnswer):
    """A transfer slip: the case's paper file sent from one hall to another, and received there."""

    id: int
    case_no: str = Field(validation_alias=AliasPath("case", "case_no"))
    service_name: str = Field(validation_alias=AliasPath("case", "service", "name"))
    from_hall: str = Field(validation_alias=AliasPath("from_hall", "code"))
    from_hall_name: str = Field(validation_alias=AliasPath("from_hall", "name"))
    to_hall: str = Field(validation_alias=AliasPath("to_hall", "code"))
    to_hall_name: str = Field(validation_alias=AliasPath("to_hall", "name"))
    sent_at: HallTime
    sent_by: str | None = Field(None, validation_alias=AliasPath("sent_by", "name"))
    received_at: MaybeHallTime
    received_by: str | None = Field(None, validation_alias=AliasPath("received_by", "name"))


class TransferListOut(CaseAnswer):
    items: list[TransferOut]


class OverdueTransferOut(TransferOut):
    """A slip on the road longer than allowed, with the working days it has been on the road."""

    workdays: int = Field(description="在途工作日 Working days on the road, after the day it was sent")

    @model_validator(mode="before")
    @classmethod
    def _on_the_road(cls, slip, info: ValidationInfo):
        if not isinstance(slip, CaseTransfer):
            return slip
        # A list's slips share one calendar through the validation context.
        context = info.context if info.context is not None else {}
        calendar = context.get("calendar") or context.setdefault("calendar", hall_calendar())
        return Derived(slip, workdays=road_workdays(slip, calendar, clock.now()))


class OverdueTransferListOut(CaseAnswer):
    """流转超时: the slips not received within the allowed working days, the longest on the road first."""

    allowed_workdays: int = Field(description="允许在途的工作日 Working days a file may be on the road")
    halls: list[str] = Field(description="the codes of the halls whose slips are counted, the hall first")
    items: list[OverdueTransferOut]
