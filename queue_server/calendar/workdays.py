"""The hall's working-day calendar: the override table on top of the calendar libraries."""

import json
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from queue_server.calendar.models import CalendarOverride, CalendarYear
from queue_server.calendar.workcalendar import WorkCalendar
from queue_server.extensions import db


def hall_calendar() -> WorkCalendar:
    """Build the working-day calendar from the override table and the libraries."""
    overrides = {row.day: (row.working, row.name) for row in db.session.scalars(db.select(CalendarOverride))}
    announced = db.session.scalars(db.select(CalendarYear.year)).all()
    return WorkCalendar(overrides, announced_years=announced)



class _OverrideDay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    working: bool
    name: str | None = Field(default=None, max_length=50)


class _OverrideFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    announced_years: list[int] = []
    source: str = ""
    days: list[_OverrideDay] = []


def load_overrides(path: Path) -> tuple[int, list[int]]:
    """Load an override file into the table (replacing the days it names); return (days, years)."""
    try:
        data = _OverrideFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"日历文件无效：{exc}") from exc
    for entry in data.days:
        db.session.merge(CalendarOverride(day=entry.date, working=entry.working, name=entry.name))
    for year in data.announced_years:
        db.session.merge(CalendarYear(year=year, source=data.source))
    db.session.flush()
    return len(data.days), data.announced_years
