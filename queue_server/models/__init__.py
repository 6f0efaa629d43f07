"""The hall's data model; import every model here so Alembic sees them all."""

from .alert import CaseAlert
from .appointment import Appointment, AppointmentSlot
from .audit import AuditEntry
from .calendar import CalendarOverride, CalendarYear
from .case import Case, CaseCounter, CaseEvent, CasePause
from .case_file import CaseFile
from .hall import Department, Hall, Queue, Window, window_queues
from .idempotency import IdempotencyKey
from .rating import Rating, Rectification, RectificationEvent
from .service import ServiceItem
from .ticket import HELD_STATES, NORMAL_LANE, PRIORITY_LANE, Ticket, TicketCounter, TicketEvent, WaitingTally
from .user import User

__all__ = [
    "Appointment",
    "AppointmentSlot",
    "AuditEntry",
    "HELD_STATES",
    "NORMAL_LANE",
    "PRIORITY_LANE",
    "CalendarOverride",
    "CalendarYear",
    "Case",
    "CaseAlert",
    "CaseCounter",
    "CaseEvent",
    "CaseFile",
    "CasePause",
    "Department",
    "Hall",
    "IdempotencyKey",
    "Queue",
    "Rating",
    "Rectification",
    "RectificationEvent",
    "ServiceItem",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "User",
    "WaitingTally",
    "Window",
    "window_queues",
]
