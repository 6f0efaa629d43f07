"""What every machine of the project shares: one ``transitions`` Machine per definition, no model.

A definition builds its Machine once at import; an operation binds a row to it for one trigger with
``fire(machine, row, trigger, ...)``, which reads and writes ``row.state``. Never a Machine per row.
"""

from transitions import Machine


def shared_machine(states: list[str], transitions: list[dict]) -> Machine:
    """Build a Machine with no model: triggers only, callbacks get the event (``send_event``)."""
    return Machine(
        model=None,
        states=states,
        transitions=transitions,
        initial=None,
        auto_transitions=False,
        send_event=True,
    )


def fire(machine: Machine, model, trigger: str, **kwargs) -> str:
    """Fire a trigger on a model and return the state it left; the caller checked it is allowed."""
    before = model.state
    if not machine.events[trigger].trigger(model, **kwargs):
        raise RuntimeError(f"{trigger} did not move {model!r} from {before}")
    return before
