"""When a hall issues tickets: its hours per weekday (``HallHours``) and the working-day calendar.

A hall with no hours set issues tickets around the clock (the demo hall, the test halls). Otherwise a
ticket is issued from opening time until ``last_ticket`` (取号截止), hall time; a statutory holiday
closes the hall (the calendar names it and does not work it), and a make-up working day (调休上班)
on a weekend the hall is closed follows the first weekday's hours. Outside those times the kiosk is
answered 409 ``conflict`` with a message saying when tickets are issued again.
"""

from datetime import date, datetime, timedelta

from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.errors import Conflict
from queue_server.queue.models import Hall

LOOK_AHEAD_DAYS = 31
WEEKDAY_NAMES = "一二三四五六日"


def hours_on(week: dict, day: date, calendar) -> tuple[object | None, str | None]:
    """Return (the hours row of a day or None when closed, the holiday's name if that closes it)."""
    resolved = calendar.day(day)
    if not resolved.working and resolved.name:
        return None, resolved.name
    row = week.get(day.isoweekday())
    if (row is None or not row.is_open) and resolved.working and day.isoweekday() >= 6:
        row = next((week[d] for d in range(1, 6) if d in week and week[d].is_open), None)
    return (row if row is not None and row.is_open else None), None


def _day_text(day: date, today: date) -> str:
    weekday = "星期" + WEEKDAY_NAMES[day.weekday()]
    if day == today:
        return "今天"
    if day == today + timedelta(days=1):
        return f"明天（{day.month}月{day.day}日 {weekday}）"
    return f"{day.month}月{day.day}日（{weekday}）"


def next_issuing(week: dict, now: datetime, calendar) -> datetime | None:
    """Return when tickets are issued again after ``now``, or None within the next month."""
    for offset in range(LOOK_AHEAD_DAYS + 1):
        day = now.date() + timedelta(days=offset)
        row, _ = hours_on(week, day, calendar)
        if row is None or (offset == 0 and now.strftime("%H:%M") >= row.open):
            continue
        hour, minute = (int(part) for part in row.open.split(":"))
        midnight = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
        return midnight + timedelta(hours=hour, minutes=minute)
    return None


def ensure_issuing(hall: Hall) -> None:
    """Refuse (409 conflict) a ticket outside the hall's hours or after its last-ticket time."""
    week = {row.weekday: row for row in hall.opening_hours}
    if not week:
        return  # no hours set: around the clock
    now = clock.now()
    calendar = hall_calendar()
    row, holiday = hours_on(week, now.date(), calendar)
    moment = now.strftime("%H:%M")
    if row is not None and row.open <= moment < row.last_ticket:
        return
    if row is not None and moment < row.open:
        reason = "尚未开始取号"
    elif row is not None:
        reason = f"今日取号已于 {row.last_ticket} 截止"
    else:
        reason = f"今天（{holiday}）不办公" if holiday else "今天不办公"
    again = next_issuing(week, now, calendar)
    when = (
        f"{_day_text(again.date(), now.date())} {again.strftime('%H:%M')} 开始取号"
        if again is not None
        else "近期暂停取号，请留意大厅公告"
    )
    raise Conflict(
        f"{reason}，{when}",
        {
            "hall": hall.code,
            "next_issue_at": clock.to_hall_iso(again),
            "hours": {"open": row.open, "last_ticket": row.last_ticket, "close": row.close} if row else None,
        },
    )
