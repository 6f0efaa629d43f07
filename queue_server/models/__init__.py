"""The hall's data model; import every model here so Alembic sees them all."""

from queue_server.models.alert import CaseAlert
from queue_server.models.appointment import Appointment, AppointmentSlot
from queue_server.models.audit import AuditEntry
from queue_server.models.calendar import CalendarOverride, CalendarYear
from queue_server.models.case import Case, CaseCounter, CaseEvent, CasePause
from queue_server.models.case_file import CaseFile
from queue_server.models.hall import Department, Hall, Queue, Window, window_queues
from queue_server.models.idempotency import IdempotencyKey
from queue_server.models.rating import Rating, Rectification, RectificationEvent
from queue_server.models.service import ServiceItem
from queue_server.models.ticket import HELD_STATES, NORMAL_LANE, PRIORITY_LANE, Ticket, TicketCounter, TicketEvent, WaitingTally
from queue_server.models.user import User

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
