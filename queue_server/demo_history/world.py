"""The hall, its people and items, the working-day calendar, and everything drawn so far, day by day."""

import random
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case
from queue_server.citizen.models import ServiceItem
from queue_server.demo_history import tickets as ticket_day
from queue_server.demo_history.cases import cases_of_day
from queue_server.demo_history.ratings import rate_tickets
from queue_server.demo_history.rows import Row
from queue_server.extensions import db
from queue_server.queue.models import Hall, Ticket

SEED = 20261130
# Today's history stops this long before now, so the live screens start from a quiet hall.
TODAY_MARGIN = timedelta(minutes=10)


class World:
    """The hall, its people and items, and everything drawn so far, waiting to be written."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.now = clock.now()
        self.tz = clock.hall_tz()
        self.calendar = hall_calendar()
        self.rect_workdays = current_app.config["RECTIFICATION_WORKDAYS"]
        self.queues = {queue.code: queue for queue in hall.queues}
        self.windows = {window.number: window for window in hall.windows}
        users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
        self.clerks = [user for user in users if user.username.startswith("clerk") and user.has_role("clerk")]
        self.agents = [user for user in users if user.username.startswith("agent") and user.has_role("agent")]
        supervisors = [user for user in users if user.has_role("supervisor")]
        self.supervisor = next((user for user in supervisors if "admin" not in user.roles), supervisors[0])
        self.approvers: dict[int, User] = {}
        for user in users:
            if user.has_role("approver") and user.department_id and user.department_id not in self.approvers:
                self.approvers[user.department_id] = user
        services = db.session.scalars(select(ServiceItem).order_by(ServiceItem.code)).all()
        self.services = [s for s in services if not s.parts and s.department_id in self.approvers]
        self.by_queue: dict[str, list[ServiceItem]] = {}
        for service in self.services:
            self.by_queue.setdefault(service.queue_code, []).append(service)
        self.tickets: list[Row] = []
        self.cases: list[Row] = []
        self.ratings: list[dict] = []
        self.rectifications: list[Row] = []

    def days_with_data(self, first: date) -> set[date]:
        """Return the hall dates from `first` on with tickets or cases already."""
        days = set(
            db.session.scalars(
                select(Ticket.service_date)
                .distinct()
                .where(Ticket.hall_id == self.hall.id, Ticket.service_date >= first)
            )
        )
        since = datetime.combine(first, time(), self.tz)
        for created_at in db.session.scalars(
            select(Case.created_at).where(Case.hall_id == self.hall.id, Case.created_at >= since)
        ):
            days.add(created_at.astimezone(self.tz).date())
        return days

    # --- time on the working-day calendar ---

    def at(self, day: date, hour: int, minute: float = 0) -> datetime:
        """Return the hall time of that hour and minute of a day."""
        return datetime.combine(day, time(), self.tz) + timedelta(hours=hour, minutes=minute)

    def office_time(self, day: date, rng: random.Random, not_before: datetime | None = None) -> datetime:
        """Draw a moment of office hours on a day (after `not_before` when that is on the same day)."""
        minute = rng.choice((rng.uniform(8 * 60 + 40, 11 * 60 + 50), rng.uniform(14 * 60 + 40, 17 * 60 + 20)))
        moment = self.at(day, 0, minute)
        if not_before is not None and moment <= not_before:
            moment = not_before + timedelta(minutes=rng.uniform(5, 90))
        return moment

    def later(self, after: datetime, workdays: int, rng: random.Random) -> datetime:
        """Draw a moment of office hours `workdays` working days after `after` (0: later that working day)."""
        day = after.astimezone(self.tz).date()
        if workdays == 0 and not self.calendar.is_working(day):
            workdays = 1
        day, _ = self.calendar.add_working_days(day, workdays)
        return self.office_time(day, rng, not_before=after)

    # --- one day ---

    def simulate_day(self, day: date) -> None:
        """Draw a day from its own generator: its tickets, their ratings, its cases."""
        rng = random.Random(f"{SEED}:{self.hall.code}:{day.isoformat()}")
        desks = ticket_day.staff(self, day)
        tickets = ticket_day.serve(desks, ticket_day.arrivals(self, day, rng), rng)
        if day == self.now.date():
            cutoff = self.now - TODAY_MARGIN
            tickets = [t for t in tickets if t.events[-1]["at"] <= cutoff]
        ticket_day.number(day, tickets)
        self.tickets.extend(tickets)
        rate_tickets(self, tickets, rng)
        cases_of_day(self, day, tickets, desks, rng)
