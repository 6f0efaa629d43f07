"""A day at the windows: clerks staffed, citizens arriving, numbers called, served, recalled or cancelled."""

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from queue_server.accounts.models import User
from queue_server.demo_history.rows import Row, id_of, phone
from queue_server.queue.models import NORMAL_LANE, PRIORITY_LANE
from workflows import ticket as ticket_flow

if TYPE_CHECKING:
    from queue_server.demo_history.world import World

# Tickets a queue takes on an ordinary working day (Wednesday), before the day's own variation.
DAILY_TICKETS = {"shsd": 26, "shsw": 14, "jsgc": 5, "bdcsf": 16, "rsyb": 24, "tycj": 12, "gahz": 12}
WEEKDAY_FACTOR = {0: 1.2, 1: 1.05, 2: 1.0, 3: 0.95, 4: 0.9, 5: 0.8, 6: 0.8}
# Arrivals by quarter hour: (first slot, relative weights); tickets are taken until 11:45 and 17:15.
SESSIONS = (
    (time(8, 30), (4, 6, 8, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3)),
    (time(14, 30), (3, 5, 7, 8, 8, 7, 6, 5, 4, 3, 2)),
)
# The windows staffed every day (one clerk each, in turn), covering every queue; the last one is pickup.
STAFFED_WINDOWS = (1, 13, 6, 9, 14, 15)
PICKUP_WINDOW = STAFFED_WINDOWS[-1]
CLERK_PACE = (0.9, 1.0, 1.1, 0.95, 1.05, 1.15)
PRIORITY_REASONS = ("老年人", "老年人", "残疾人", "孕妇", "军人")


@dataclass
class Desk:
    """A staffed window: its clerk, the clerk's pace, the queues it serves and when it is free next."""

    window: object
    clerk: User
    pace: float
    queue_ids: set[int]
    free_at: datetime


def staff(world: "World", day: date) -> list[Desk]:
    """Put a clerk at each staffed window; they move one window on each day."""
    desks = []
    turn = day.toordinal()
    for index, number in enumerate(STAFFED_WINDOWS):
        window = world.windows.get(number)
        if window is None or not world.clerks:
            continue
        slot = (index + turn) % len(world.clerks)
        desks.append(
            Desk(
                window,
                world.clerks[slot],
                CLERK_PACE[slot % len(CLERK_PACE)],
                {queue.id for queue in window.queues},
                world.at(day, 8, 30),
            )
        )
    return desks


def arrivals(world: "World", day: date, rng: random.Random) -> list[Row]:
    """Draw the day's tickets, issued by the quarter hour, in the order they were taken."""
    factor = WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.85, 1.15)
    slots = [
        (world.at(day, start.hour, start.minute + 15 * n), weight)
        for start, weights in SESSIONS
        for n, weight in enumerate(weights)
    ]
    starts, weights = [s for s, _ in slots], [w for _, w in slots]
    tickets = []
    for code, queue in world.queues.items():
        mean = DAILY_TICKETS.get(code, 8) * factor
        count = max(0, round(rng.gauss(mean, math.sqrt(mean))))
        services = world.by_queue.get(code, [])
        for start in rng.choices(starts, weights, k=count):
            issued_at = start + timedelta(seconds=rng.uniform(0, 900))
            priority = rng.random() < 0.06
            service = rng.choice(services) if services and rng.random() < 0.7 else None
            ticket = Row(
                "waiting",
                extra={
                    "queue": queue,
                    "origin": queue,
                    "service": service,
                    "window": None,
                    "lane": PRIORITY_LANE if priority else NORMAL_LANE,
                    "priority_reason": rng.choice(PRIORITY_REASONS) if priority else None,
                    "phone": phone(rng) if rng.random() < 0.35 else None,
                    "issued_at": issued_at,
                    "queued_at": issued_at,
                    "ready_at": issued_at,
                    "called_at": None,
                    "started_at": None,
                    "finished_at": None,
                    "recalls": 0,
                    "plan": rng.choices(("serve", "no_show", "come_back", "leave"), (93.5, 3.5, 1.5, 1.5))[0],
                    "finisher": None,
                },
            )
            ticket.events.append(_ticket_event("issue", None, ticket, None, None, issued_at))
            tickets.append(ticket)
    tickets.sort(key=lambda t: t.issued_at)
    return tickets


def serve(desks: list[Desk], tickets: list[Row], rng: random.Random) -> list[Row]:
    """Run the day: the free window calls the first of its lines, until every line is empty."""
    lines: dict[int, list[Row]] = {}
    for ticket in tickets:
        lines.setdefault(ticket.queue.id, []).append(ticket)
    while True:
        open_desks = [d for d in desks if any(lines.get(q) for q in d.queue_ids)]
        if not open_desks:
            break
        desk = min(open_desks, key=lambda d: d.free_at)
        mine = [t for q in desk.queue_ids for t in lines.get(q, ())]
        ready = [t for t in mine if t.ready_at <= desk.free_at]
        if not ready:
            desk.free_at = min(t.ready_at for t in mine)
            continue
        patience = desk.free_at - timedelta(minutes=12)
        leaving = [t for t in ready if t.plan == "leave" and t.ready_at <= patience]
        if leaving:  # a citizen who gave up asks a clerk to cancel the number
            ticket = leaving[0]
            at = ticket.ready_at + timedelta(minutes=rng.uniform(5, 12))
            _fire(ticket, "cancel", desk.clerk, None, at)
            lines[ticket.queue.id].remove(ticket)
            continue
        ticket = min(ready, key=lambda t: (t.lane, t.queued_at))
        if _call(desk, ticket, rng):
            lines[ticket.queue.id].remove(ticket)
    return tickets


def _call(desk: Desk, ticket: Row, rng: random.Random) -> bool:
    """Call a ticket at a desk; return whether it has left the line."""
    at = desk.free_at + timedelta(seconds=rng.uniform(5, 30))
    window, clerk = desk.window, desk.clerk
    _fire(ticket, "call", clerk, window, at)
    if ticket.plan in ("no_show", "come_back"):
        if rng.random() < 0.6:
            at += timedelta(seconds=rng.uniform(50, 70))
            _fire(ticket, "recall", clerk, window, at)
        at += timedelta(seconds=rng.uniform(90, 150))
        _fire(ticket, "no_show", clerk, window, at)
        desk.free_at = at + timedelta(seconds=rng.uniform(10, 30))
        if ticket.plan == "no_show":
            return True
        back = at + timedelta(minutes=rng.uniform(5, 25))
        _fire(ticket, "requeue", clerk, window, back)
        ticket.ready_at = back
        ticket.plan = "serve"
        return False
    at += timedelta(seconds=rng.uniform(20, 90))
    _fire(ticket, "start", clerk, window, at)
    mean = ticket.queue.avg_service_s * desk.pace
    sigma = 0.5
    seconds = rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)
    at += timedelta(seconds=min(max(60.0, seconds), 4 * mean))
    _fire(ticket, "finish", clerk, window, at)
    ticket.finisher = clerk
    desk.free_at = at + timedelta(seconds=rng.uniform(10, 45))
    return True


def number(day: date, tickets: list[Row]) -> None:
    """Give the day's tickets their numbers, each origin queue counting from 001 in order of issue."""
    seqs: dict[int, int] = {}
    for ticket in sorted(tickets, key=lambda t: t.issued_at):
        seq = seqs[ticket.origin.id] = seqs.get(ticket.origin.id, 0) + 1
        ticket.number = f"{ticket.origin.prefix}{seq:03d}"
        ticket.service_date = day


def _fire(ticket: Row, trigger: str, actor: User, window, at: datetime) -> None:
    before = ticket_flow.fire(ticket, trigger, at=at, window=window)
    ticket.events.append(_ticket_event(trigger, before, ticket, actor, window, at))


def _ticket_event(
    trigger: str, before: str | None, ticket: Row, actor: User | None, window, at: datetime
) -> dict:
    return {
        "trigger": trigger,
        "from_state": before,
        "to_state": ticket.state,
        "actor_id": id_of(actor),
        "window_id": id_of(window),
        "queue_id": ticket.queue.id,
        "at": at,
        "note": None,
    }
