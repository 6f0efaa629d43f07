"""The hall's data model; import every model here so Alembic sees them all."""

from .calendar import CalendarOverride, CalendarYear
from .hall import Department, Hall, Queue, Window, window_queues
from .service import ServiceItem
from .ticket import NORMAL_LANE, PRIORITY_LANE, Ticket, TicketCounter, TicketEvent
from .user import User

__all__ = [
    "NORMAL_LANE",
    "PRIORITY_LANE",
    "CalendarOverride",
    "CalendarYear",
    "Department",
    "Hall",
    "Queue",
    "ServiceItem",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "User",
    "Window",
    "window_queues",
]
