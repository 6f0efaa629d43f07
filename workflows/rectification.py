"""The rectification (差评整改) machine: a bad rating's follow-up, from open to closed.

`open` --assign--> `assigned` --close--> `closed`; `assign` again in `assigned` hands the item to
someone else; `follow_up` adds a note without changing the state. One Machine is built at import
with no model; ``fire(item, trigger, at=..., ...)`` reads and writes ``item.state``.
"""

from transitions import EventData

from workflows import machines
from workflows.machines import shared_machine

STATES = ["open", "assigned", "closed"]
STATE_NAMES = {"open": "待分派", "assigned": "整改中", "closed": "已办结"}
TRIGGER_NAMES = {"open": "生成整改", "assign": "分派", "follow_up": "跟进", "close": "办结"}


def _on_assign(event: EventData) -> None:
    event.model.assignee = event.kwargs["assignee"]


def _on_close(event: EventData) -> None:
    item = event.model
    item.action = event.kwargs["action"]
    item.closed_at = event.kwargs["at"]


TRANSITIONS = [
    {"trigger": "assign", "source": ["open", "assigned"], "dest": "assigned", "after": _on_assign},
    {"trigger": "follow_up", "source": ["open", "assigned"], "dest": "="},
    {"trigger": "close", "source": "assigned", "dest": "closed", "after": _on_close},
]
TRIGGERS = ("assign", "follow_up", "close")

machine = shared_machine(STATES, TRANSITIONS)


def allowed_triggers(state: str) -> list[str]:
    """List the triggers the machine accepts in a state."""
    return machine.get_triggers(state)


def fire(item, trigger: str, **kwargs) -> str:
    """Fire a trigger on a rectification item and return the state it left; the caller checked it is
    allowed."""
    return machines.fire(machine, item, trigger, **kwargs)
