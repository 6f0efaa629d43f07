"""What the supervision API reads: ratings (好差评, docs/ratings.md), rectification, figures, alerts."""

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints, model_validator

from queue_server.validation import ApiDate, Body, Code, Name, Note, Offset, Query, RowId, check_span, one_of

Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
RatingChannel = Literal["evaluator", "kiosk", "status_page", "portal"]


class RatingRequest(Body):
    ticket_id: RowId | None = None
    case_no: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = (
        None
    )
    # The ticket's rating_token (its QR code carries it); the evaluator at the serving window needs none.
    token: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    # The applicant's phone, to rate a case.
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    grade: Annotated[int, Field(ge=1, le=5)]
    # Why a grade is bad, one of the reasons every rating screen offers; it heads the comment.
    reason: Literal["办事指南不清", "等候时间长", "服务态度差", "多次跑动", "其他"] | None = None
    comment: Comment | None = None
    # Where the citizen rated; default: the ticket's status page, or the portal for a case.
    channel: RatingChannel | None = None
    # The evaluator facing a window names it: only the ticket that window finished last may be rated there.
    window_id: RowId | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> "RatingRequest":
        one_of(
            self.ticket_id, self.case_no, "ticket_id|请指定号票（ticket_id）或办件编号（case_no），二者选一"
        )
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


StatsGroup = Literal["mode", "queue", "window", "clerk", "department", "hall"]


class StatsQuery(Query):
    from_: ApiDate | None = Field(default=None, alias="from")
    to: ApiDate | None = None
    group_by: StatsGroup | None = None
    # children: the hall and every hall below it, summed (三级联动).
    include: Literal["children"] | None = None
    format: Literal["json", "csv", "xlsx"] = "json"

    @model_validator(mode="after")
    def _span(self) -> "StatsQuery":
        if self.from_ and self.to:
            check_span(self.from_, self.to, "统计")
        return self


class StaffingQuery(Query):
    target_s: Annotated[int, Field(ge=30, le=7200)] = 900
    percentile: Annotated[float, Field(ge=0.5, le=0.999)] = 0.9
    days: Annotated[int, Field(ge=1, le=90)] = 20


class AlertListQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class PublicityQuery(Query):
    day: ApiDate | None = Field(default=None, alias="date")
