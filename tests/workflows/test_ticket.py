"""The ticket machine as data: one definition, the transitions of DESIGN.md, and no Machine per ticket."""

from types import SimpleNamespace

import pytest

from workflows import ticket as flow


def _ticket(state: str = "waiting"):
    return SimpleNamespace(
        state=state,
        window=None,
        called_at=None,
        started_at=None,
        finished_at=None,
        recalls=0,
        queue="A",
        queued_at="t0",
    )


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        ("waiting", {"call", "cancel", "expire"}),
        ("called", {"recall", "start", "no_show", "expire"}),
        ("serving", {"finish", "transfer"}),
        ("no_show", {"requeue"}),
        ("done", set()),
        ("cancelled", set()),
        ("expired", set()),
    ],
)
def test_allowed_triggers_per_state(state, allowed):
    """Does each state allow exactly the triggers of DESIGN.md?"""
    assert set(flow.allowed_triggers(state)) == allowed


def test_call_keeps_first_call_time_and_recall_counts():
    """Does a recall count up and leave called_at at the first call, also after a requeue?"""
    ticket = _ticket()
    flow.fire(ticket, "call", at="t1", window="W1")
    flow.fire(ticket, "recall", at="t2", window="W1")
    assert (ticket.state, ticket.called_at, ticket.recalls, ticket.window) == ("called", "t1", 1, "W1")
    flow.fire(ticket, "no_show", at="t3")
    flow.fire(ticket, "requeue", at="t4")
    assert (ticket.state, ticket.queued_at, ticket.window) == ("waiting", "t4", None)
    flow.fire(ticket, "call", at="t5", window="W2")
    assert ticket.called_at == "t1"


def test_transfer_moves_queue_and_keeps_place():
    """Does a transfer change the queue but not the time the ticket joined the line?"""
    ticket = _ticket("serving")
    flow.fire(ticket, "transfer", at="t9", queue="B")
    assert (ticket.state, ticket.queue, ticket.queued_at, ticket.window) == ("waiting", "B", "t0", None)


def test_one_machine_for_every_ticket():
    """Is the machine built once, with no model attached, whatever the number of tickets?"""
    for _ in range(3):
        flow.fire(_ticket(), "call", at="t", window="W")
    assert flow.machine.models == []
    assert flow.VERSION == 1
