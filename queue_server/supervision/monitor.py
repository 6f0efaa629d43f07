"""Supervision (监督): what the supervisor screen shows of a hall, and the time-limit alerts.

``hall_monitor`` builds the whole picture in one snapshot: queues and their longest wait, windows
with their clerk and current ticket, today's figures, the running cases on yellow and red, recent
alerts, the tickets left ``called`` too long, the bad ratings awaiting rectification, and the series
the screen draws as charts. The screen re-reads it when the hall's events say something changed.
"""

from __future__ import annotations

from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import mean

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case
from queue_server.cases.rules import case_clock_of
from queue_server.extensions import db
from queue_server.queue.models import Hall, Queue, Ticket, TicketEvent, Window
from queue_server.supervision.models import BAD_GRADES, CaseAlert, Rating, Rectification
from workflows import case as case_flow

RECENT_ALERTS = 20
# The charts of cases and ratings look back this many days (hall dates, today included).
CASE_CHART_DAYS = 30
RATING_CHART_DAYS = 14
LIGHT_ORDER = {"red": 0, "yellow": 1}
# Ticket history rows that show a clerk at work at a window in that hour.
WINDOW_WORK = ("call", "recall", "start", "finish", "no_show", "transfer")


# --- alerts ---


def recent_alerts(hall: Hall, limit: int = RECENT_ALERTS) -> list[CaseAlert]:
    """List the hall's latest alerts (changes to yellow or red), newest first."""
    return db.session.scalars(
        select(CaseAlert)
        .where(CaseAlert.hall_id == hall.id, CaseAlert.light.in_(("yellow", "red")))
        .order_by(CaseAlert.raised_at.desc(), CaseAlert.id.desc())
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class LongCall:
    """A ticket left ``called`` too long: for how many minutes, and on which light."""

    ticket: Ticket
    minutes: int
    light: str


def called_too_long(hall: Hall, now: datetime) -> list[LongCall]:
    """List the hall's tickets called but not taken up for TICKET_CALLED_ALERT_MIN minutes, longest first.

    A ticket left ``called`` means a window that looks busy while nobody is served there (the citizen
    did not come, or the clerk neither started, marked no-show nor transferred it). Past the threshold it
    is yellow, past twice the threshold red; the alert ends when the ticket leaves ``called``.
    """
    threshold = timedelta(minutes=float(current_app.config["TICKET_CALLED_ALERT_MIN"]))
    tickets = db.session.scalars(
        select(Ticket)
        .where(Ticket.hall_id == hall.id, Ticket.state == "called", Ticket.called_at <= now - threshold)
        .options(selectinload(Ticket.window), selectinload(Ticket.queue))
        .order_by(Ticket.called_at, Ticket.id)
    ).all()
    return [
        LongCall(
            ticket,
            int((now - ticket.called_at).total_seconds() // 60),
            "red" if now - ticket.called_at >= 2 * threshold else "yellow",
        )
        for ticket in tickets
    ]


# --- the snapshot ---


@dataclass(frozen=True)
class QueueWatch:
    """A queue today: its line, its longest current wait, its average wait and tickets served."""

    queue: Queue
    waiting: int
    longest_wait_s: int
    avg_wait_s: int | None
    served: int


@dataclass(frozen=True)
class WindowWatch:
    """A window with the ticket it holds now (called or serving); reads as the window otherwise."""

    window: Window
    ticket: Ticket | None

    def __getattr__(self, name: str):
        return getattr(self.window, name)


# A running case on yellow or red, with its clock's light, deadline, working days left and pause.
LitCase = namedtuple("LitCase", "case light deadline remaining_workdays paused")


@dataclass(frozen=True)
class LitCases:
    """The hall's running cases counted by light, and those on yellow and red, red first."""

    running: int
    green: int
    yellow: int
    red: int
    items: list[LitCase]


@dataclass(frozen=True)
class Charts:
    """The series the supervisor screen draws."""

    tickets_per_hour: list[HourCount]
    cases_by_mode: ModeCounts
    on_time: OnTimeChart
    ratings_by_day: list[DayGrades]


@dataclass(frozen=True)
class Snapshot:
    """What the supervisor screen shows of a hall at one instant."""

    hall: Hall
    at: datetime
    queues: list[QueueWatch]
    windows: list[WindowWatch]
    today: dict[str, int | None]  # today's tickets by state, with the average wait and service
    cases: LitCases
    alerts: list[CaseAlert]
    called_too_long: list[LongCall]
    bad_ratings: list[Rating]
    charts: Charts


def hall_monitor(hall: Hall) -> Snapshot:
    """Read the supervisor screen's snapshot of a hall."""
    now = clock.now()
    today = now.date()
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.hall_id == hall.id, Ticket.service_date == today)
    ).all()
    return Snapshot(
        hall=hall,
        at=now,
        queues=_queues(hall, tickets, now),
        windows=_windows(hall, tickets),
        today=_today(tickets),
        cases=_lit_cases(hall, today),
        alerts=recent_alerts(hall),
        called_too_long=called_too_long(hall, now),
        bad_ratings=_bad_ratings(hall),
        charts=Charts(
            tickets_per_hour=_tickets_per_hour(hall, tickets, now),
            cases_by_mode=_cases_by_mode(hall, today),
            on_time=_on_time(hall, today),
            ratings_by_day=_ratings_by_day(hall, today),
        ),
    )


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    return (later - earlier).total_seconds() if later and earlier else None


def _average(values) -> int | None:
    values = [value for value in values if value is not None]
    return round(mean(values)) if values else None


def _queues(hall: Hall, tickets: list[Ticket], now: datetime) -> list[QueueWatch]:
    by_queue = defaultdict(list)
    for ticket in tickets:
        by_queue[ticket.queue_id].append(ticket)
    rows = []
    for queue in hall.queues:
        own = by_queue[queue.id]
        waiting = [t for t in own if t.state == "waiting"]
        rows.append(
            QueueWatch(
                queue=queue,
                waiting=len(waiting),
                longest_wait_s=max((round(_seconds(now, t.queued_at)) for t in waiting), default=0),
                avg_wait_s=_average(_seconds(t.called_at, t.issued_at) for t in own),
                served=sum(1 for t in own if t.state == "done"),
            )
        )
    return rows


def _windows(hall: Hall, tickets: list[Ticket]) -> list[WindowWatch]:
    current = {}
    for ticket in sorted(tickets, key=lambda t: t.called_at or t.issued_at):
        if ticket.state in ("called", "serving") and ticket.window_id is not None:
            current[ticket.window_id] = ticket
    return [WindowWatch(window, current.get(window.id)) for window in hall.windows]


def _today(tickets: list[Ticket]) -> dict[str, int | None]:
    states = Counter(ticket.state for ticket in tickets)
    return {
        "issued": len(tickets),
        "waiting": states["waiting"],
        "served": states["done"],
        "no_show": states["no_show"],
        "expired": states["expired"],
        "avg_wait_s": _average(_seconds(t.called_at, t.issued_at) for t in tickets),
        "avg_service_s": _average(
            _seconds(t.finished_at, t.started_at) for t in tickets if t.state == "done"
        ),
    }


def _running_cases(hall: Hall) -> list[Case]:
    return db.session.scalars(
        select(Case)
        .where(Case.hall_id == hall.id, Case.accepted_at.is_not(None), Case.decided_at.is_(None))
        .options(
            selectinload(Case.pauses),
            selectinload(Case.service),
            selectinload(Case.department),
            selectinload(Case.assignee),
        )
    ).all()


def _lit_cases(hall: Hall, today: date) -> LitCases:
    counts = Counter()
    lit = []
    calendar = hall_calendar()
    for case in _running_cases(hall):
        timer = case_clock_of(case, today, calendar)
        counts[timer.light] += 1
        if timer.light in LIGHT_ORDER:
            lit.append(LitCase(case, timer.light, timer.deadline, timer.remaining_workdays, timer.paused))
    lit.sort(key=lambda row: (LIGHT_ORDER[row.light], row.remaining_workdays, row.case.case_no))
    return LitCases(
        running=sum(counts.values()),
        green=counts["green"],
        yellow=counts["yellow"],
        red=counts["red"],
        items=lit,
    )


def _bad_ratings(hall: Hall) -> list[Rating]:
    return db.session.scalars(
        select(Rating)
        .join(Rectification, Rectification.rating_id == Rating.id)
        .where(Rating.hall_id == hall.id, Rating.grade.in_(BAD_GRADES), Rectification.state != "closed")
        .order_by(Rectification.deadline, Rating.id)
    ).all()


# --- charts ---


# The charts' rows: one hour of today (tickets taken and served, windows at work in the hour); cases
# opened in the last ``days`` days by mode; cases decided in the week from ``start`` and how many on
# time, and over the last ``days`` days; the grades given on one hall date.
HourCount = namedtuple("HourCount", "hour issued served windows")
ModeCount = namedtuple("ModeCount", "mode count")
ModeCounts = namedtuple("ModeCounts", "days modes")
WeekCount = namedtuple("WeekCount", "start decided on_time")
OnTimeChart = namedtuple("OnTimeChart", "days decided on_time weeks")
DayGrades = namedtuple("DayGrades", "date grades")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=clock.hall_tz())


def _tickets_per_hour(hall: Hall, tickets: list[Ticket], now: datetime) -> list[HourCount]:
    """Tickets taken and served in each hour of today, against the windows at work in that hour."""
    from queue_server.scheduler import closing_time

    tz = clock.hall_tz()
    issued = Counter(t.issued_at.astimezone(tz).hour for t in tickets)
    served = Counter(t.finished_at.astimezone(tz).hour for t in tickets if t.finished_at)
    work = db.session.execute(
        select(TicketEvent.at, TicketEvent.window_id)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            Ticket.hall_id == hall.id,
            TicketEvent.at >= _day_start(now.date()),
            TicketEvent.window_id.is_not(None),
            TicketEvent.trigger.in_(WINDOW_WORK),
        )
    ).all()
    windows = defaultdict(set)
    for at, window_id in work:
        windows[at.astimezone(tz).hour].add(window_id)
    windows[now.hour] |= {w.id for w in hall.windows if w.status == "open"}
    busy = set(issued) | set(served) | {hour for hour, ids in windows.items() if ids}
    first = min(busy | {8})
    last = max(busy | {closing_time(hall).hour})
    return [
        HourCount(f"{hour:02d}:00", issued[hour], served[hour], len(windows[hour]))
        for hour in range(first, last + 1)
    ]


def _cases_by_mode(hall: Hall, today: date) -> ModeCounts:
    """Cases opened at the hall in the last CASE_CHART_DAYS days, by mode."""
    rows = db.session.execute(
        select(Case.mode, func.count())
        .where(
            Case.hall_id == hall.id,
            Case.created_at >= _day_start(today - timedelta(days=CASE_CHART_DAYS - 1)),
        )
        .group_by(Case.mode)
    ).all()
    counts = dict(rows)
    return ModeCounts(CASE_CHART_DAYS, [ModeCount(mode, counts.get(mode, 0)) for mode in case_flow.MODES])


def _on_time(hall: Hall, today: date) -> OnTimeChart:
    """Cases of the hall decided in the last CASE_CHART_DAYS days, and how many on time, week by week."""
    since = today - timedelta(days=CASE_CHART_DAYS - 1)
    decided = db.session.scalars(
        select(Case)
        .where(Case.hall_id == hall.id, Case.decided_at >= _day_start(since))
        .options(selectinload(Case.pauses), selectinload(Case.service))
    ).all()
    weeks = defaultdict(lambda: [0, 0])
    calendar = hall_calendar()
    for case in decided:
        week = (case.decided_at.astimezone(clock.hall_tz()).date() - since).days // 7
        weeks[week][0] += 1
        weeks[week][1] += 1 if case_clock_of(case, today, calendar).on_time else 0
    return OnTimeChart(
        days=CASE_CHART_DAYS,
        decided=sum(count for count, _ in weeks.values()),
        on_time=sum(good for _, good in weeks.values()),
        weeks=[
            WeekCount(since + timedelta(days=7 * week), weeks[week][0], weeks[week][1])
            for week in range((CASE_CHART_DAYS + 6) // 7)
        ],
    )


def _ratings_by_day(hall: Hall, today: date) -> list[DayGrades]:
    """Ratings of the hall per day over the last RATING_CHART_DAYS days: count, average grade, bad ones."""
    since = today - timedelta(days=RATING_CHART_DAYS - 1)
    rows = db.session.execute(
        select(Rating.created_at, Rating.grade).where(
            Rating.hall_id == hall.id, Rating.created_at >= _day_start(since)
        )
    ).all()
    by_day = defaultdict(list)
    for created_at, grade in rows:
        by_day[created_at.astimezone(clock.hall_tz()).date()].append(grade)
    days = [since + timedelta(days=n) for n in range(RATING_CHART_DAYS)]
    return [DayGrades(day, by_day[day]) for day in days]
