"""Working days of the Chinese calendar (工作日), with make-up days (调休)."""

from flask import Blueprint, current_app

from queue_server.calendar.workdays import day_view, hall_calendar
from queue_server.errors import InvalidRequest
from queue_server.extensions import limiter
from queue_server.schemas import CalendarQuery, DeadlineQuery, parse_query
from queue_server.validation import DATE_MAX

bp = Blueprint("calendar", __name__)


@bp.get("/calendar/deadline")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def deadline():
    query = parse_query(DeadlineQuery)
    day, confirmed = hall_calendar().add_working_days(query.start, query.workdays)
    if day > DATE_MAX:
        raise InvalidRequest({"workdays": f"期限超出支持的日期范围（至 {DATE_MAX.isoformat()}）"})
    return {
        "start": query.start.isoformat(),
        "workdays": query.workdays,
        "deadline": day.isoformat(),
        "confirmed": confirmed,
    }


@bp.get("/calendar")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def calendar_days():
    query = parse_query(CalendarQuery)
    return [day_view(day) for day in hall_calendar().days(query.from_, query.to)]
