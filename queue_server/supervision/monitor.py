"""Supervision (监督): what the supervisor screen shows of a hall, and the time-limit alerts.

``hall_monitor`` builds the whole picture in one snapshot: queues and their longest wait, windows
with their clerk and current ticket, today's figures, the running cases on yellow and red, recent
alerts, the tickets left ``called`` too long, the bad ratings awaiting rectification, and the series
the screen draws as charts. The screen re-reads it when the hall's events say something changed.
"""

from collections import Counter, defaultdict
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
from queue_server.queue.halls import window_view
from queue_server.queue.models import Hall, Ticket, TicketEvent
from queue_server.supervision.models import BAD_GRADES, CaseAlert, Rating, Rectification
from workflows import case as case_flow
from workflows import rectification as rectification_flow

RECENT_ALERTS = 20
# The charts of cases and ratings look back this many days (hall dates, today included).
CASE_CHART_DAYS = 30
RATING_CHART_DAYS = 14
LIGHT_ORDER = {"red": 0, "yellow": 1}
# Ticket history rows that show a clerk at work at a window in that hour.
WINDOW_WORK = ("call", "recall", "start", "finish", "no_show", "transfer")


# --- alerts ---


def _person(user) -> dict | None:
    return {"username": user.username, "name": user.name} if user else None


def alert_view(alert: CaseAlert) -> dict:
    """Render an alert as the case_alert event and GET /halls/{hall}/alerts carry it."""
    case = alert.case
    return {
        "id": alert.id,
        "hall": case.hall.code,
        "case_no": case.case_no,
        "service_name": case.service.name,
        "department": case.department.code,
        "department_name": case.department.name,
        "assignee": _person(case.assignee),
        "light": alert.light,
        "previous_light": alert.previous_light,
        "deadline": alert.deadline.isoformat() if alert.deadline else None,
        "remaining_workdays": alert.remaining_workdays,
        "at": clock.to_hall_iso(alert.raised_at),
    }


def recent_alerts(hall: Hall, limit: int = RECENT_ALERTS) -> list[dict]:
    """List the hall's latest alerts (changes to yellow or red), newest first."""
    alerts = db.session.scalars(
        select(CaseAlert)
        .where(CaseAlert.hall_id == hall.id, CaseAlert.light.in_(("yellow", "red")))
        .order_by(CaseAlert.raised_at.desc(), CaseAlert.id.desc())
        .limit(limit)
    )
    return [alert_view(alert) for alert in alerts]


def called_too_long(hall: Hall, now: datetime) -> list[dict]:
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
        {
            "kind": "ticket_called",
            "ticket_id": ticket.id,
            "number": ticket.number,
            "queue": ticket.queue.code,
            "queue_name": ticket.queue.name,
            "window_number": ticket.window.number if ticket.window else None,
            "window_name": ticket.window.name if ticket.window else None,
            "clerk": _person(ticket.window.clerk) if ticket.window else None,
            "called_at": clock.to_hall_iso(ticket.called_at),
            "recalls": ticket.recalls,
            "minutes": int((now - ticket.called_at).total_seconds() // 60),
            "light": "red" if now - ticket.called_at >= 2 * threshold else "yellow",
        }
        for ticket in tickets
    ]


# --- the snapshot ---


def hall_monitor(hall: Hall) -> dict:
    """Build the supervisor screen's snapshot of a hall."""
    now = clock.now()
    today = now.date()
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.hall_id == hall.id, Ticket.service_date == today)
    ).all()
    return {
        "hall": {"code": hall.code, "name": hall.name},
        "at": clock.to_hall_iso(now),
        "queues": _queues(hall, tickets, now),
        "windows": _windows(hall, tickets),
        "today": _today(tickets),
        "cases": _lit_cases(hall, today),
        "alerts": recent_alerts(hall),
        "called_too_long": called_too_long(hall, now),
        "bad_ratings": _bad_ratings(hall),
        "charts": {
            "tickets_per_hour": _tickets_per_hour(hall, tickets, now),
            "cases_by_mode": _cases_by_mode(hall, today),
            "on_time": _on_time(hall, today),
            "ratings_by_day": _ratings_by_day(hall, today),
        },
    }


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    return (later - earlier).total_seconds() if later and earlier else None


def _average(values) -> int | None:
    values = [value for value in values if value is not None]
    return round(mean(values)) if values else None


def _queues(hall: Hall, tickets: list[Ticket], now: datetime) -> list[dict]:
    by_queue = defaultdict(list)
    for ticket in tickets:
        by_queue[ticket.queue_id].append(ticket)
    rows = []
    for queue in hall.queues:
        own = by_queue[queue.id]
        waiting = [t for t in own if t.state == "waiting"]
        rows.append({
            "code": queue.code,
            "name": queue.name,
            "prefix": queue.prefix,
            "waiting": len(waiting),
            "longest_wait_s": max((round(_seconds(now, t.queued_at)) for t in waiting), default=0),
            "avg_wait_s": _average(_seconds(t.called_at, t.issued_at) for t in own),
            "served": sum(1 for t in own if t.state == "done"),
        })
    return rows


def _windows(hall: Hall, tickets: list[Ticket]) -> list[dict]:
    current = {}
    for ticket in sorted(tickets, key=lambda t: t.called_at or t.issued_at):
        if ticket.state in ("called", "serving") and ticket.window_id is not None:
            current[ticket.window_id] = ticket
    rows = []
    for window in hall.windows:
        ticket = current.get(window.id)
        rows.append({
            **window_view(window),
            "ticket": None if ticket is None else {
                "id": ticket.id, "number": ticket.number, "queue": ticket.queue.code, "state": ticket.state,
                "called_at": clock.to_hall_iso(ticket.called_at), "started_at": clock.to_hall_iso(ticket.started_at),
            },
        })
    return rows


def _today(tickets: list[Ticket]) -> dict:
    states = Counter(ticket.state for ticket in tickets)
    return {
        "issued": len(tickets),
        "waiting": states["waiting"],
        "served": states["done"],
        "no_show": states["no_show"],
        "expired": states["expired"],
        "avg_wait_s": _average(_seconds(t.called_at, t.issued_at) for t in tickets),
        "avg_service_s": _average(_seconds(t.finished_at, t.started_at) for t in tickets if t.state == "done"),
    }


def _running_cases(hall: Hall) -> list[Case]:
    return db.session.scalars(
        select(Case)
        .where(Case.hall_id == hall.id, Case.accepted_at.is_not(None), Case.decided_at.is_(None))
        .options(selectinload(Case.pauses), selectinload(Case.service), selectinload(Case.department),
                 selectinload(Case.assignee))
    ).all()


def _lit_cases(hall: Hall, today: date) -> dict:
    counts = Counter()
    lit = []
    calendar = hall_calendar()
    for case in _running_cases(hall):
        timer = case_clock_of(case, today, calendar)
        counts[timer.light] += 1
        if timer.light in LIGHT_ORDER:
            lit.append({
                "case_no": case.case_no,
                "service_name": case.service.name,
                "mode": case.mode,
                "state": case.state,
                "state_name": case_flow.STATE_NAMES[case.state],
                "department": case.department.code,
                "department_name": case.department.name,
                "assignee": _person(case.assignee),
                "light": timer.light,
                "deadline": timer.deadline.isoformat(),
                "remaining_workdays": timer.remaining_workdays,
                "clock_paused": timer.paused,
            })
    lit.sort(key=lambda row: (LIGHT_ORDER[row["light"]], row["remaining_workdays"], row["case_no"]))
    return {"running": sum(counts.values()), "green": counts["green"], "yellow": counts["yellow"],
            "red": counts["red"], "items": lit}


def _bad_ratings(hall: Hall) -> list[dict]:
    rows = db.session.execute(
        select(Rating, Rectification)
        .join(Rectification, Rectification.rating_id == Rating.id)
        .where(Rating.hall_id == hall.id, Rating.grade.in_(BAD_GRADES), Rectification.state != "closed")
        .order_by(Rectification.deadline, Rating.id)
    ).all()
    return [
        {
            "id": rating.id,
            "grade": rating.grade,
            "comment": rating.comment,
            "channel": rating.channel,
            "created_at": clock.to_hall_iso(rating.created_at),
            "ticket_number": rating.ticket.number if rating.ticket else None,
            "case_no": rating.case.case_no if rating.case else None,
            "window_number": rating.window.number if rating.window else None,
            "clerk": rating.clerk.name if rating.clerk else None,
            "rectification": {
                "id": item.id,
                "state": item.state,
                "state_name": rectification_flow.STATE_NAMES[item.state],
                "deadline": item.deadline.isoformat(),
                "assignee": _person(item.assignee),
            },
        }
        for rating, item in rows
    ]


# --- charts ---


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=clock.hall_tz())


def _tickets_per_hour(hall: Hall, tickets: list[Ticket], now: datetime) -> list[dict]:
    """Tickets taken and served in each hour of today, against the windows at work in that hour."""
    from queue_server.scheduler import closing_time

    tz = clock.hall_tz()
    issued = Counter(t.issued_at.astimezone(tz).hour for t in tickets)
    served = Counter(t.finished_at.astimezone(tz).hour for t in tickets if t.finished_at)
    work = db.session.execute(
        select(TicketEvent.at, TicketEvent.window_id)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.hall_id == hall.id, TicketEvent.at >= _day_start(now.date()),
               TicketEvent.window_id.is_not(None), TicketEvent.trigger.in_(WINDOW_WORK))
    ).all()
    windows = defaultdict(set)
    for at, window_id in work:
        windows[at.astimezone(tz).hour].add(window_id)
    windows[now.hour] |= {w.id for w in hall.windows if w.status == "open"}
    busy = set(issued) | set(served) | {hour for hour, ids in windows.items() if ids}
    first = min(busy | {8})
    last = max(busy | {closing_time(hall).hour})
    return [
        {"hour": f"{hour:02d}:00", "issued": issued[hour], "served": served[hour], "windows": len(windows[hour])}
        for hour in range(first, last + 1)
    ]


def _cases_by_mode(hall: Hall, today: date) -> dict:
    """Cases opened at the hall in the last CASE_CHART_DAYS days, by mode."""
    rows = db.session.execute(
        select(Case.mode, func.count())
        .where(Case.hall_id == hall.id, Case.created_at >= _day_start(today - timedelta(days=CASE_CHART_DAYS - 1)))
        .group_by(Case.mode)
    ).all()
    counts = dict(rows)
    return {"days": CASE_CHART_DAYS,
            "modes": [{"mode": mode, "name": case_flow.MODE_NAMES[mode], "count": counts.get(mode, 0)}
                      for mode in case_flow.MODES]}


def _on_time(hall: Hall, today: date) -> dict:
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
    total = sum(count for count, _ in weeks.values())
    on_time = sum(good for _, good in weeks.values())
    return {
        "days": CASE_CHART_DAYS,
        "decided": total,
        "on_time": on_time,
        "rate": round(on_time / total, 4) if total else None,
        "weeks": [
            {"from": (since + timedelta(days=7 * week)).isoformat(), "decided": weeks[week][0],
             "on_time": weeks[week][1], "rate": round(weeks[week][1] / weeks[week][0], 4) if weeks[week][0] else None}
            for week in range((CASE_CHART_DAYS + 6) // 7)
        ],
    }


def _ratings_by_day(hall: Hall, today: date) -> list[dict]:
    """Ratings of the hall per day over the last RATING_CHART_DAYS days: count, average grade, bad ones."""
    since = today - timedelta(days=RATING_CHART_DAYS - 1)
    rows = db.session.execute(
        select(Rating.created_at, Rating.grade)
        .where(Rating.hall_id == hall.id, Rating.created_at >= _day_start(since))
    ).all()
    by_day = defaultdict(list)
    for created_at, grade in rows:
        by_day[created_at.astimezone(clock.hall_tz()).date()].append(grade)
    days = [since + timedelta(days=n) for n in range(RATING_CHART_DAYS)]
    return [
        {"date": day.isoformat(), "count": len(by_day[day]),
         "average": round(mean(by_day[day]), 2) if by_day[day] else None,
         "bad": sum(1 for grade in by_day[day] if grade in BAD_GRADES)}
        for day in days
    ]
