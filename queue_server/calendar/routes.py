"""Working days of the Chinese calendar (工作日), with make-up days (调休)."""

from flask import Blueprint

from queue_server.api.spec import operation, reply
from queue_server.calendar.answers import DayOut, DeadlineOut
from queue_server.calendar.schemas import CalendarQuery, DeadlineQuery
from queue_server.calendar.workdays import hall_calendar
from queue_server.errors import InvalidRequest
from queue_server.validation import DATE_MAX, parse_query

bp = Blueprint("calendar", __name__)


@bp.get("/calendar/deadline")
@operation(query=DeadlineQuery, limit="RATELIMIT_PUBLIC", answers={200: DeadlineOut})
def deadline():
    """第 n 个工作日 The n-th working day after a date"""
    query = parse_query(DeadlineQuery)
    day, confirmed = hall_calendar().add_working_days(query.start, query.workdays)
    if day > DATE_MAX:
        raise InvalidRequest({"workdays": f"期限超出支持的日期范围（至 {DATE_MAX.isoformat()}）"})
    return DeadlineOut(start=query.start, workdays=query.workdays, deadline=day, confirmed=confirmed)


@bp.get("/calendar")
@operation(query=CalendarQuery, limit="RATELIMIT_PUBLIC", answers={200: list[DayOut]})
def calendar_days():
    """工作日历 Working days in a range"""
    query = parse_query(CalendarQuery)
    return reply(list[DayOut], hall_calendar().days(query.from_, query.to))
