"""The ticket (号票) state machine of DESIGN.md.

One Machine is built at import with no model; an operation fires a trigger on a ticket with
``fire(ticket, trigger, at=..., ...)``, which reads and writes ``ticket.state`` and runs the
callbacks below. The keyword arguments reach the callbacks through ``event.kwargs``.
"""

from transitions import EventData

from workflows import machines
from workflows.machines import shared_machine

VERSION = 1

STATES = ["waiting", "called", "serving", "done", "no_show", "cancelled", "expired"]
FINAL_STATES = {"done", "cancelled", "expired"}
# What the staff and the citizens read for each state.
STATE_NAMES = {
    "waiting": "等候中",
    "called": "已叫号",
    "serving": "办理中",
    "done": "已办结",
    "no_show": "未到",
    "cancelled": "已取消",
    "expired": "已过期",
}
TRIGGER_NAMES = {
    "call": "叫号",
    "recall": "重呼",
    "start": "开始办理",
    "finish": "办结",
    "no_show": "过号",
    "requeue": "重新排队",
    "transfer": "转队列",
    "cancel": "取消",
    "expire": "过期",
}


def _on_call(event: EventData) -> None:
    ticket, kw = event.model, event.kwargs
    ticket.window = kw["window"]
    if ticket.called_at is None:  # called_at stays the first call, also after a requeue
        ticket.called_at = kw["at"]


def _on_recall(event: EventData) -> None:
    event.model.recalls += 1


def _on_start(event: EventData) -> None:
    event.model.started_at = event.kwargs["at"]


def _on_finish(event: EventData) -> None:
    event.model.finished_at = event.kwargs["at"]


def _on_requeue(event: EventData) -> None:
    event.model.window = None
    event.model.queued_at = event.kwargs["at"]  # to the back of the line


def _on_transfer(event: EventData) -> None:
    ticket = event.model
    ticket.queue = event.kwargs["queue"]
    ticket.window = None
    ticket.started_at = None  # its service starts afresh at the next window; queued_at is kept


TRANSITIONS = [
    {"trigger": "call", "source": "waiting", "dest": "called", "after": _on_call},
    {"trigger": "recall", "source": "called", "dest": "=", "after": _on_recall},
    {"trigger": "start", "source": "called", "dest": "serving", "after": _on_start},
    {"trigger": "finish", "source": "serving", "dest": "done", "after": _on_finish},
    {"trigger": "no_show", "source": "called", "dest": "no_show"},
    {"trigger": "requeue", "source": "no_show", "dest": "waiting", "after": _on_requeue},
    {"trigger": "transfer", "source": "serving", "dest": "waiting", "after": _on_transfer},
    {"trigger": "cancel", "source": "waiting", "dest": "cancelled"},
    {"trigger": "expire", "source": ["waiting", "called"], "dest": "expired"},
]

# Triggers a clerk fires through POST /tickets/{id}/{trigger}; call and expire have their own paths.
CLERK_TRIGGERS = ("recall", "start", "finish", "no_show", "requeue", "transfer", "cancel")

machine = shared_machine(STATES, TRANSITIONS)


def allowed_triggers(state: str) -> list[str]:
    """List the triggers the machine accepts in a state."""
    return machine.get_triggers(state)


def fire(ticket, trigger: str, **kwargs) -> str:
    """Fire a trigger on a ticket and return the state it left; the caller checked it is allowed."""
    return machines.fire(machine, ticket, trigger, **kwargs)
