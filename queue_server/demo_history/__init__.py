"""A past for the demo hall: tickets, cases, ratings and rectifications, drawn from a fixed seed.

``load_history`` fills every working day of the hall calendar in the month before today (and today
up to a few minutes ago) on which the hall has neither tickets nor cases yet. So loading twice adds
nothing twice, a later load adds the days since, and a day the hall really worked is left as it was.
Each day draws from its own generator, seeded by the hall and the date: a day always looks the same.

A day: citizens arrive by the quarter hour with a morning and an afternoon peak (08:30-12:00,
14:30-17:30), six clerks staff six windows in turn and call, serve, recall and mark no-shows;
some citizens give up and have their number cancelled, some come back after a no-show. Served
tickets lead to cases at the window (马上办, 一次办, 同城办); applications arrive online (网上办) and
through agents (代理办). Cases move through the back office on the working-day calendar (claims, 补正
and §45 pauses, decisions mostly in time, some late), are collected at the pickup window (本人 or
受托人) or mailed, and archived. A third of the served tickets and delivered cases are rated; the bad
ratings open rectification items, which the supervisor assigns, follows up and closes. Nothing
happens after now: recent cases are still running, recent rectifications still open, and today
holds only finished tickets, never a waiting one, so the live queue starts quiet.

Tickets, cases and rectification items move by their machines (``workflows``), every change kept in
its history table as the operations keep it; the rows are written in bulk, so a month takes seconds.

The modules, by what they draw: ``world`` (the hall, its people, the calendar, a day), ``tickets``
(the windows' day), ``cases`` (window, online and agency intake), ``story`` (a case's steps, 补正),
``back_office`` (claim, pauses, decision, handover), ``ratings`` (好差评, rectification), ``rows``
(the rows in the making, made-up citizens) and ``writing`` (the bulk insert).
"""

from datetime import timedelta

from sqlalchemy import select

from queue_server.demo_history.world import World
from queue_server.demo_history.writing import HistorySummary, write
from queue_server.extensions import db
from queue_server.queue.models import Hall

# How far back the history reaches: a month of calendar days before today.
HISTORY_DAYS = 30


def load_history(hall_code: str = "xiqu") -> HistorySummary:
    """Add the demo hall's past month up to now, skipping the days it already has; say what was added."""
    hall = db.session.scalar(select(Hall).where(Hall.code == hall_code))
    if hall is None:
        raise LookupError(f"hall {hall_code} is not loaded")
    world = World(hall)
    today = world.now.date()
    first = today - timedelta(days=HISTORY_DAYS)
    taken = world.days_with_data(first)
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    days = [day for day in days if world.calendar.is_working(day) and day not in taken]
    for day in days:
        world.simulate_day(day)
    return write(world, len(days))
