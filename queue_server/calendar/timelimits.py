"""限时办结: a case's deadline, remaining working days and light, from the shared working-day calendar.

The rules (DESIGN.md): counting starts the day after acceptance; a working day counts only when the
clock runs through the whole of it (hall dates), so the day of acceptance and the days on which a
pause begins or ends do not count; counting ends with the decision. Pure functions: the caller gives
the calendar, the dates and today.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from queue_server.calendar.workcalendar import WorkCalendar

_ONE_DAY = timedelta(days=1)
# A promised limit is at most a few hundred working days; this bounds the walk through the calendar.
_MAX_SPAN_DAYS = 3660


@dataclass(frozen=True)
class Pause:
    """A stretch of hall dates on which the clock stood still; `end` None while it lasts."""

    start: date
    end: date | None


@dataclass(frozen=True)
class CaseClock:
    """What supervisors see of a case's time limit."""

    deadline: date | None
    remaining_workdays: int | None
    light: str | None
    paused: bool
    on_time: bool | None


NO_CLOCK = CaseClock(deadline=None, remaining_workdays=None, light=None, paused=False, on_time=None)


def deadline_of(
    calendar: WorkCalendar, accepted_on: date, promised_days: int, pauses: list[Pause], today: date
) -> date:
    """Return the day the count of whole running working days reaches the promised limit.

    A pause still running is taken to end today: the deadline is the one that holds if the clock runs
    again from now on.
    """
    stopped = [(pause.start, pause.end or max(today, pause.start)) for pause in pauses]
    day, counted = accepted_on, 0
    while counted < promised_days:
        day += _ONE_DAY
        if (day - accepted_on).days > _MAX_SPAN_DAYS:
            raise ValueError(f"promised limit of {promised_days} working days does not fit the calendar")
        if calendar.is_working(day) and not any(start <= day <= end for start, end in stopped):
            counted += 1
    return day


def workdays_until(calendar: WorkCalendar, today: date, deadline: date) -> int:
    """Count the working days from today to the deadline: 0 on it, negative (at least -1) once past."""
    if deadline >= today:
        return calendar.working_days_between(today, deadline)
    return -max(1, calendar.working_days_between(deadline, today))


def light_of(remaining: int, promised_days: int, yellow_workdays: int, yellow_ratio: float) -> str:
    """Colour a running case: red after the deadline, yellow near it, green otherwise."""
    if remaining < 0:
        return "red"
    if remaining <= yellow_workdays or remaining <= yellow_ratio * promised_days:
        return "yellow"
    return "green"


def case_clock(
    calendar: WorkCalendar,
    *,
    accepted_on: date | None,
    decided_on: date | None,
    promised_days: int,
    pauses: list[Pause],
    today: date,
    yellow_workdays: int = 1,
    yellow_ratio: float = 0.2,
) -> CaseClock:
    """Compute the deadline, remaining working days, light and on-time flag of a case."""
    if accepted_on is None:
        return NO_CLOCK
    paused = any(pause.end is None for pause in pauses)
    if decided_on is not None:
        deadline = deadline_of(calendar, accepted_on, promised_days, pauses, decided_on)
        return CaseClock(deadline, None, None, False, decided_on <= deadline)
    deadline = deadline_of(calendar, accepted_on, promised_days, pauses, today)
    remaining = workdays_until(calendar, today, deadline)
    light = light_of(remaining, promised_days, yellow_workdays, yellow_ratio)
    return CaseClock(deadline, remaining, light, paused, None)
