"""What the administration API answers, built from the rows (``Model.model_validate(row)``)."""

from datetime import datetime
from typing import Literal

from pydantic import AliasPath, Field, field_validator

from queue_server.accounts.answers import UserOut
from queue_server.api.answers import Answer
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
    """The contract's user: never a password or its hash."""

    active: bool


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
