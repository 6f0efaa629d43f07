"""What the administration API answers, built from the rows (``Model.model_validate(row)``)."""

from datetime import date, datetime
from typing import Literal

from pydantic import AliasPath, Field, field_validator

from queue_server.accounts.answers import UserOut
from queue_server.api.answers import Answer, HallTime
from queue_server.calendar import clock


class AdminDayHoursOut(Answer):
    open: str
    last_ticket: str
    close: str


class AdminHallOut(Answer):
    """A hall; ``hours`` null: tickets around the clock, a weekday null: closed that day."""

    code: str
    name: str
    address: str
    phone: str
    level: Literal["district", "community", "station"]
    parent: str | None = Field(None, validation_alias=AliasPath("parent", "code"))
    hours: dict[str, AdminDayHoursOut | None] | None = Field(None, validation_alias="opening_hours")

    @field_validator("hours", mode="before")
    @classmethod
    def _week(cls, rows):
        if rows is None or isinstance(rows, dict):
            return rows
        return {str(row.weekday): row.as_dict() for row in rows} or None


class AdminDepartmentOut(Answer):
    code: str
    name: str


class AdminQueueOut(Answer):
    code: str
    name: str
    prefix: str


class AdminWindowOut(Answer):
    """A window as the console edits it: ``queues`` in the order it serves them."""

    id: int
    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    number: int
    name: str
    queues: list[str]
    pickup: bool
    status: Literal["open", "paused", "closed"]

    @field_validator("queues", mode="before")
    @classmethod
    def _codes(cls, queues):
        return [queue if isinstance(queue, str) else queue.code for queue in queues]


class AdminUserOut(UserOut):
    """The contract's user: never a password or its hash; with 工号 and when the photo was set."""

    active: bool
    employee_no: str | None = None
    photo_at: HallTime | None = Field(None, description="照片上传时间；null：没有照片")


class AdminAuditOut(Answer):
    at: datetime
    actor: str | None = Field(None, validation_alias=AliasPath("actor", "username"))
    action: str
    object: str
    before: dict | None
    after: dict | None

    @field_validator("at")
    @classmethod
    def _hall_time(cls, at: datetime) -> datetime:
        return at.astimezone(clock.hall_tz())


class AdminHallList(Answer):
    items: list[AdminHallOut]
    total: int


class AdminDepartmentList(Answer):
    items: list[AdminDepartmentOut]
    total: int


class AdminQueueList(Answer):
    items: list[AdminQueueOut]
    total: int


class AdminWindowList(Answer):
    items: list[AdminWindowOut]
    total: int


class AdminUserList(Answer):
    items: list[AdminUserOut]
    total: int


class AdminAuditList(Answer):
    items: list[AdminAuditOut]
    total: int


class AdminMaterialOut(Answer):
    name: str
    form: str = "original"
    count: int = 1
    required: bool = True
    deferrable: bool = False
    note: str = ""


class AdminServiceOut(Answer):
    """An item as the console edits it: its draft when one waits, else its newest published version.

    ``state``: ``draft`` never published (not public), ``published``, or ``changed`` (a draft waits);
    ``version`` and ``effective``: its newest published version.
    """

    code: str
    name: str
    department: str
    queue: str
    modes: list[str]
    online: bool
    legal_days: int
    promised_days: int
    materials: list[AdminMaterialOut]
    guide: dict
    parts: list[str]
    halls: list[str] | None = Field(
        description="受理该事项的服务大厅；null 为全部大厅 Accepting halls; null: every hall"
    )
    depends: dict[str, list[str]] = Field({}, description="一件事子项的先后 The parts each part waits for")
    questions: list[dict] = Field([], description="一件事的导办问题 The bundle's questions")
    state: Literal["draft", "published", "changed"]
    version: int | None
    effective: date | None
    draft_updated_at: datetime | None

    @field_validator("draft_updated_at")
    @classmethod
    def _hall_time(cls, at: datetime | None) -> datetime | None:
        return at.astimezone(clock.hall_tz()) if at is not None else None


class AdminServiceList(Answer):
    items: list[AdminServiceOut]
    total: int


class AdminPublishedOut(Answer):
    """A published version: its number, from which day it applies, when and by whom it was published."""

    code: str
    version: int
    effective: date
    published_at: datetime
    published_by: str | None = Field(None, validation_alias=AliasPath("published_by", "username"))

    @field_validator("published_at")
    @classmethod
    def _hall_time(cls, at: datetime) -> datetime:
        return at.astimezone(clock.hall_tz())


class AdminVersionOut(AdminPublishedOut):
    """A version in an item's history, with its content and whether it is the one in effect today."""

    published_by_name: str | None = Field(None, validation_alias=AliasPath("published_by", "name"))
    name: str
    department: str = Field(validation_alias=AliasPath("department", "code"))
    queue: str = Field(validation_alias="queue_code")
    modes: list[str]
    legal_days: int
    promised_days: int
    materials: list[AdminMaterialOut]
    guide: dict
    halls: list[str] | None = None
    parts: list[str] = []
    depends: dict[str, list[str]] | None = None
    questions: list[dict] | None = None


class AdminVersionList(Answer):
    items: list[AdminVersionOut]
    in_effect: int | None = Field(description="今日生效的版本号 The version in effect today")


class AdminImportOut(Answer):
    """The items an import made (new drafts) and changed (their drafts)."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]


class AdminCalendarDayOut(Answer):
    """A day set by hand in the working-day calendar."""

    date: date
    working: bool
    name: str | None


class AdminCalendarYearOut(Answer):
    """A year of the working-day calendar: its days set by hand and whether its schedule is confirmed."""

    year: int
    confirmed: bool = Field(description="全年日程已确认（已导入国务院通知或日历库已收录）")
    announced: bool = Field(description="已在本系统导入全年日程")
    source: str | None = Field(description="确认依据 The announcement the year follows")
    days: list[AdminCalendarDayOut]


class AdminCalendarImportOut(Answer):
    """What a schedule import loaded."""

    days: int
    years: list[int]
    source: str
