"""The hall's working-day calendar: the override table on top of the calendar libraries."""

import json
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from queue_server.calendar.models import CalendarOverride, CalendarYear
from queue_server.calendar.workcalendar import WorkCalendar
from queue_server.extensions import db


def hall_calendar() -> WorkCalendar:
    """Build the working-day calendar from the override table and the libraries.

    Nothing is cached between requests: every worker reads the table afresh, so an edit applies at once.
    """
    overrides = {row.day: (row.working, row.name) for row in db.session.scalars(db.select(CalendarOverride))}
    announced = db.session.scalars(db.select(CalendarYear.year)).all()
    return WorkCalendar(overrides, announced_years=announced)


class OverrideDay(BaseModel):
    """One day of a schedule file: its date, whether it is a working day, its name."""

    model_config = ConfigDict(extra="forbid")
    date: date
    working: bool
    name: str | None = Field(default=None, max_length=50)


class OverrideFile(BaseModel):
    """A schedule file (docs/calendar.md): the years it announces, their source, the days."""

    model_config = ConfigDict(extra="forbid")
    announced_years: list[int] = []
    source: str = Field(default="", max_length=200)
    days: list[OverrideDay] = []


def apply_schedule(schedule: OverrideFile) -> None:
    """Write a checked schedule into the table: its days replace those dates, its years are confirmed."""
    for entry in schedule.days:
        db.session.merge(CalendarOverride(day=entry.date, working=entry.working, name=entry.name))
    for year in schedule.announced_years:
        db.session.merge(CalendarYear(year=year, source=schedule.source))
    db.session.flush()


def load_overrides(path: Path) -> tuple[int, list[int]]:
    """Load an override file into the table (replacing the days it names); return (days, years)."""
    try:
        data = OverrideFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"日历文件无效：{exc}") from exc
    apply_schedule(data)
    return len(data.days), data.announced_years
