"""The hall's data model; import every model here so Alembic sees them all."""

from queue_server.accounts.models import AuditEntry, User
from queue_server.calendar.models import CalendarOverride, CalendarYear
from queue_server.cases.agent_models import AgentRequest
from queue_server.cases.models import Case, CaseCounter, CaseEvent, CaseFile, CasePause
from queue_server.citizen.models import Appointment, AppointmentSlot, ServiceItem
from queue_server.citizen.sample_models import MaterialSample
from queue_server.idempotency_models import IdempotencyKey
from queue_server.queue.models import (
    HELD_STATES,
    NORMAL_LANE,
    PRIORITY_LANE,
    Department,
    Hall,
    HallHours,
    Queue,
    Ticket,
    TicketCounter,
    TicketEvent,
    WaitingTally,
    Window,
    window_queues,
)
from queue_server.supervision.models import CaseAlert, Rating, Rectification, RectificationEvent

__all__ = [
    "AgentRequest",
    "Appointment",
    "AppointmentSlot",
    "AuditEntry",
    "HallHours",
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
    "MaterialSample",
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
