"""Keep the working-day calendar (工作日历): override days edited one by one, a year's schedule imported.

Administrators only. Every change is in the audit log (``calendar:YYYY-MM-DD``, ``calendar:YYYY``).
``hall_calendar`` reads the table at each use, so a change counts at once in every worker.
Operations flush, never commit.
"""

import json
from datetime import date

from pydantic import ValidationError
from sqlalchemy import select

from queue_server.accounts import policy
from queue_server.admin import audit
from queue_server.calendar.models import CalendarOverride, CalendarYear
from queue_server.calendar.workdays import OverrideDay, OverrideFile, apply_schedule, hall_calendar
from queue_server.errors import InvalidRequest, NotFound
from queue_server.extensions import db
from queue_server.validation import DATE_MAX, DATE_MIN

LIBRARY_SOURCE = "国务院办公厅通知（chinesecalendar 库已收录）"


def check_year(year: int) -> int:
    """Refuse (400) a year outside the dates the API takes."""
    if not DATE_MIN.year <= year <= DATE_MAX.year:
        raise InvalidRequest({"year": f"年份应在 {DATE_MIN.year}–{DATE_MAX.year} 之间"})
    return year


def parse_day(text: str) -> date:
    """Read a YYYY-MM-DD date from the path (400 otherwise)."""
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or not DATE_MIN <= day <= DATE_MAX:
        raise InvalidRequest({"day": f"日期应写作 YYYY-MM-DD，在 {DATE_MIN} 至 {DATE_MAX} 之间"})
    return day


def _view(row: CalendarOverride) -> dict:
    return {"date": row.day, "working": row.working, "name": row.name}


def _audit_view(row: CalendarOverride | None) -> dict | None:
    return None if row is None else {"working": row.working, "name": row.name}


def year_view(actor, year: int) -> dict:
    """Return the year's overrides, whether it is confirmed and by what."""
    policy.require(actor, "calendar.administer")
    check_year(year)
    rows = db.session.scalars(
        select(CalendarOverride)
        .where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
        .order_by(CalendarOverride.day)
    ).all()
    announced = db.session.get(CalendarYear, year)
    calendar = hall_calendar()
    confirmed = calendar.year_confirmed(year)
    source = announced.source if announced is not None else (LIBRARY_SOURCE if confirmed else None)
    return {
        "year": year,
        "confirmed": confirmed,
        "announced": announced is not None,
        "source": source,
        "days": [_view(row) for row in rows],
    }


def set_day(actor, day: date, body) -> dict:
    """Add or change the override of one day."""
    policy.require(actor, "calendar.administer")
    row = db.session.get(CalendarOverride, day)
    before = _audit_view(row)
    name = (body.name or "").strip() or None
    if row is None:
        row = CalendarOverride(day=day, working=body.working, name=name)
        db.session.add(row)
    else:
        row.working, row.name = body.working, name
    after = _audit_view(row)
    if before != after:
        action = "calendar_day.created" if before is None else "calendar_day.updated"
        old, new = (None, after) if before is None else audit.changes(before, after)
        audit.record(actor, action, f"calendar:{day.isoformat()}", old, new)
    db.session.flush()
    return _view(row)


def delete_day(actor, day: date) -> None:
    """Remove the override of one day (404 when there is none): the libraries decide it again."""
    policy.require(actor, "calendar.administer")
    row = db.session.get(CalendarOverride, day)
    if row is None:
        raise NotFound(f"{day.isoformat()} 没有日历调整")
    audit.record(actor, "calendar_day.deleted", f"calendar:{day.isoformat()}", _audit_view(row), None)
    db.session.delete(row)
    db.session.flush()


def _why(error: ValidationError) -> str:
    return "；".join(f"{'.'.join(map(str, e['loc'])) or '该项'}：{e['msg']}" for e in error.errors())


def import_schedule(actor, content: bytes) -> dict:
    """Check every day of a schedule file, then load it; 400 with the bad days, nothing changed."""
    policy.require(actor, "calendar.administer")
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequest({"file": f"不是有效的 JSON 文件：{exc}"}, "文件无法读取") from None
    if not isinstance(data, dict):
        raise InvalidRequest({"file": "文件应为一个对象：announced_years、source、days"}, "文件格式不对")
    entries = data.get("days")
    if not isinstance(entries, list):
        entries = None
    try:
        head = OverrideFile.model_validate({**data, "days": []})
    except ValidationError as error:
        fields = {"file": "文件头有误"}
        fields.update({".".join(map(str, e["loc"])): e["msg"] for e in error.errors()})
        raise InvalidRequest(fields, "文件格式不对") from None
    fields = {}
    if entries is None:
        fields["days"] = "缺少 days 列表"
    elif not entries:
        fields["days"] = "文件中没有日期"
    bad_years = [year for year in head.announced_years if not DATE_MIN.year <= year <= DATE_MAX.year]
    if bad_years:
        fields["announced_years"] = f"年份应在 {DATE_MIN.year}–{DATE_MAX.year} 之间"
    if head.announced_years and not head.source.strip():
        fields["source"] = "请写明确认依据（如国务院办公厅的通知名称）"
    if fields:
        raise InvalidRequest(fields, "文件格式不对")
    bad, days, seen = [], [], {}
    for number, entry in enumerate(entries, start=1):
        raw = entry.get("date") if isinstance(entry, dict) else None
        try:
            day = OverrideDay.model_validate(entry)
        except ValidationError as error:
            bad.append({"index": number, "date": raw if isinstance(raw, str) else None, "why": _why(error)})
            continue
        if not DATE_MIN <= day.date <= DATE_MAX:
            why = f"日期应在 {DATE_MIN} 至 {DATE_MAX} 之间"
        elif day.date in seen:
            why = f"与第 {seen[day.date]} 项日期重复"
        else:
            why = None
        seen.setdefault(day.date, number)
        if why:
            bad.append({"index": number, "date": day.date.isoformat(), "why": why})
        else:
            days.append(day)
    if bad:
        error = InvalidRequest(
            {"file": f"有 {len(bad)} 项不符合要求，未导入任何日期"}, "导入失败：文件中有错误的项"
        )
        error.details["days"] = bad
        raise error
    schedule = OverrideFile(
        announced_years=sorted(set(head.announced_years)), source=head.source.strip(), days=days
    )
    before = {
        str(year): row.source
        for year in schedule.announced_years
        if (row := db.session.get(CalendarYear, year)) is not None
    }
    apply_schedule(schedule)
    years = schedule.announced_years
    obj = "calendar:" + ",".join(map(str, years))
    audit.record(
        actor,
        "calendar.imported",
        obj,
        {"announced": before} if before else None,
        {
            "source": schedule.source,
            "announced_years": years,
            "days": len(days),
            "first": days[0].date.isoformat(),
            "last": days[-1].date.isoformat(),
        },
    )
    return {"days": len(days), "years": years, "source": schedule.source}
