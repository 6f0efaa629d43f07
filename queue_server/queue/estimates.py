"""Wait estimates: the live service rate of a queue's open windows, and an Erlang C staffing what-if.

``est_wait_s`` of queues and tickets: a queue is served at the sum of the rates of the windows open on
it; a window's rate is one over the mean of its last few services of the day (ESTIMATE_RECENT_SERVICES),
or over the queue's typical service time until it has finished any, and a window that serves several
queues lends each an equal share. A ticket with n tickets ahead waits about n / rate.

The what-if (``staffing``) reads a queue's arrivals and service times over past days, hour by hour,
and finds with the Erlang C model (M/M/c) the fewest windows that keep the wait under a target for a
given share of citizens.
"""

import math
import time
from collections import defaultdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from queue_server.calendar import clock
from queue_server.extensions import db
from queue_server.queue.models import Hall, Queue, Ticket

# queue id -> (valid until, seconds per ticket in line); the rate moves slowly, the estimate is read often.
_pace_cache: dict[int, tuple[float, float]] = {}


# --- the live rate ---


def window_service_seconds(window_ids: list[int]) -> dict[int, float]:
    """Return each window's mean service time over its last few finished tickets of today."""
    if not window_ids:
        return {}
    recent = current_app.config["ESTIMATE_RECENT_SERVICES"]
    ranked = (
        select(
            Ticket.window_id,
            Ticket.started_at,
            Ticket.finished_at,
            func.row_number()
            .over(partition_by=Ticket.window_id, order_by=Ticket.finished_at.desc())
            .label("n"),
        )
        .where(
            Ticket.window_id.in_(window_ids),
            Ticket.state == "done",
            Ticket.service_date == clock.today(),
            Ticket.started_at.is_not(None),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.window_id, ranked.c.started_at, ranked.c.finished_at).where(ranked.c.n <= recent)
    )
    durations: dict[int, list[float]] = defaultdict(list)
    for window_id, started, finished in rows:
        durations[window_id].append(max(1.0, (finished - started).total_seconds()))
    return {window_id: sum(values) / len(values) for window_id, values in durations.items()}


def service_rate(queue: Queue) -> float:
    """Return the tickets per second the queue's open windows finish now (never zero)."""
    open_windows = [window for window in queue.windows if window.status == "open"]
    paces = window_service_seconds([window.id for window in open_windows])
    rate = sum(
        (1 / paces.get(window.id, queue.avg_service_s)) / len(window.queues) for window in open_windows
    )
    if rate > 0:
        return rate
    # Nobody open yet (before the hall opens, or a break): assume the queue's windows at the typical pace.
    return max(1, len(queue.windows)) / queue.avg_service_s


def seconds_per_ticket(queue) -> float:
    """Return how many seconds each ticket ahead adds to the wait (cached for ESTIMATE_CACHE_S).

    ``queue`` is a Queue or anything with its ``id`` (the issuing path's QueueRef): the queue is loaded
    only when the cached pace has run out.
    """
    ttl = current_app.config["ESTIMATE_CACHE_S"]
    cached = _pace_cache.get(queue.id)
    if ttl and cached and cached[0] > time.monotonic():
        return cached[1]
    if not isinstance(queue, Queue):
        queue = db.session.get(Queue, queue.id)
    pace = 1 / service_rate(queue)
    _pace_cache[queue.id] = (time.monotonic() + ttl, pace)
    return pace


def estimated_wait_s(queue, ahead: int) -> int:
    """Estimate the seconds until a ticket with `ahead` tickets before it is called."""
    if ahead <= 0:
        return 0
    return round(ahead * seconds_per_ticket(queue))


# --- Erlang C (M/M/c) ---


def erlang_c(servers: int, load: float) -> float:
    """Return the probability that an arrival has to wait; `load` = arrival rate / service rate (erlangs)."""
    if load <= 0:
        return 0.0
    if servers <= load:
        return 1.0
    blocking = 1.0  # Erlang B by its stable recursion
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return servers * blocking / (servers - load * (1 - blocking))


def wait_within(servers: int, arrival_rate: float, service_s: float, target_s: float) -> float:
    """Return P(wait ≤ target) in an M/M/c queue (rates per second)."""
    load = arrival_rate * service_s
    if load <= 0:
        return 1.0
    if servers <= load:
        return 0.0
    slack = servers / service_s - arrival_rate  # cμ − λ
    return 1 - erlang_c(servers, load) * math.exp(-slack * target_s)


def mean_wait_s(servers: int, arrival_rate: float, service_s: float) -> float | None:
    """Return the mean wait in an M/M/c queue, or None when it grows without bound."""
    load = arrival_rate * service_s
    if load <= 0:
        return 0.0
    if servers <= load:
        return None
    return erlang_c(servers, load) / (servers / service_s - arrival_rate)


def windows_needed(arrival_rate: float, service_s: float, target_s: float, percentile: float) -> int:
    """Return the fewest windows with P(wait ≤ target) ≥ percentile (0 when nobody arrives)."""
    if arrival_rate <= 0:
        return 0
    servers = max(1, math.floor(arrival_rate * service_s) + 1)
    while wait_within(servers, arrival_rate, service_s, target_s) < percentile:
        servers += 1
    return servers


# --- the what-if from a queue's history ---


def staffing(hall: Hall, queue: Queue, target_s: int, percentile: float, days: int) -> dict:
    """Tabulate, hour by hour, arrivals, service time and the windows the queue needs (Erlang C)."""
    today = clock.today()
    first = today - timedelta(days=days)
    open_days = (
        db.session.scalar(
            select(func.count(func.distinct(Ticket.service_date))).where(
                Ticket.hall_id == hall.id, Ticket.service_date >= first, Ticket.service_date < today
            )
        )
        or 0
    )
    tz = clock.hall_tz()
    arrivals: dict[int, int] = defaultdict(int)
    for (issued_at,) in db.session.execute(
        select(Ticket.issued_at).where(
            Ticket.origin_queue_id == queue.id, Ticket.service_date >= first, Ticket.service_date < today
        )
    ):
        arrivals[issued_at.astimezone(tz).hour] += 1
    services: dict[int, list[float]] = defaultdict(list)
    for started, finished in db.session.execute(
        select(Ticket.started_at, Ticket.finished_at).where(
            Ticket.queue_id == queue.id,
            Ticket.state == "done",
            Ticket.started_at.is_not(None),
            Ticket.service_date >= first,
            Ticket.service_date < today,
        )
    ):
        services[started.astimezone(tz).hour].append(max(1.0, (finished - started).total_seconds()))
    every_service = [s for values in services.values() for s in values]
    overall = sum(every_service) / len(every_service) if every_service else float(queue.avg_service_s)

    hours = []
    for hour in sorted(arrivals):
        per_hour = arrivals[hour] / open_days
        service_s = sum(services[hour]) / len(services[hour]) if services.get(hour) else overall
        rate = per_hour / 3600
        needed = windows_needed(rate, service_s, target_s, percentile)
        hours.append(
            {
                "hour": hour,
                "arrivals_per_hour": round(per_hour, 2),
                "mean_service_s": round(service_s),
                "load": round(rate * service_s, 2),
                "windows_needed": needed,
                "p_within_target": round(wait_within(needed, rate, service_s, target_s), 3),
                "mean_wait_s": _rounded(mean_wait_s(needed, rate, service_s)),
            }
        )
    return {
        "hall": hall.code,
        "queue": queue.code,
        "queue_name": queue.name,
        "target_s": target_s,
        "percentile": percentile,
        "days": days,
        "from": first.isoformat(),
        "to": (today - timedelta(days=1)).isoformat(),
        "open_days": open_days,
        "windows": len(queue.windows),
        "mean_service_s": round(overall),
        "hours": hours,
    }


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)
