"""What the calendar API answers, built from the calendar's own values."""

from datetime import date

from queue_server.api.answers import Answer


class DeadlineOut(Answer):
    start: date
    workdays: int
    deadline: date
    confirmed: bool


class DayOut(Answer):
    date: date
    working: bool
    name: str | None
    confirmed: bool
