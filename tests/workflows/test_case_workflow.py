"""The case machines as data: each mode's path, 补正 and withdrawal, roles, and one Machine per definition."""

from types import SimpleNamespace

import pytest
from transitions import Machine

from workflows import case as flow

DECIDED_STATES = {"approved", "denied", "ready_for_pickup", "mailing", "delivered", "closed"}
FINAL_STATES = {"not_accepted", "closed", "withdrawn"}

# Each mode from its initial state to closed: (trigger, keyword arguments, state after). An accepted case
# goes to its department and is claimed there the same way in every mode but 马上办, and is handed over
# and closed the same way in every mode.
TO_REVIEW = [("dispatch", {}, "in_approval"), ("claim", {"actor": "approver1"}, "reviewing")]
TO_CLOSED = [("deliver", {"at": "t3"}, "delivered"), ("close", {"at": "t4"}, "closed")]
PICKED_UP = [("notify_pickup", {}, "ready_for_pickup"), *TO_CLOSED]
HAPPY_PATHS = {
    "immediate": [
        ("complete_on_spot", {"at": "t1"}, "delivered"),
        ("close", {"at": "t2"}, "closed"),
    ],
    "once": [
        ("accept", {"at": "t1"}, "accepted"),
        *TO_REVIEW,
        ("approve", {"at": "t2"}, "approved"),
        ("mail", {"waybill_no": "SF123"}, "mailing"),
        *TO_CLOSED,
    ],
    "online": [
        ("submit", {}, "pre_review"),
        ("pass_pre_review", {"at": "t1"}, "accepted"),
        *TO_REVIEW,
        ("approve", {"at": "t2"}, "approved"),
        *PICKED_UP,
    ],
    "agent": [
        ("assign_agent", {"agent": "agent1"}, "agent_assigned"),
        ("submit", {}, "submitted"),
        ("accept_with_deficiency", {"at": "t1"}, "accepted"),
        *TO_REVIEW,
        ("deny", {"at": "t2"}, "denied"),
        *PICKED_UP,
    ],
    "citywide": [
        ("accept", {"at": "t1"}, "accepted"),
        *TO_REVIEW,
        ("reassign", {"assignee": "approver2"}, "reviewing"),
        ("suspend", {}, "suspended"),
        ("resume", {}, "reviewing"),
        ("approve", {"at": "t2"}, "approved"),
        ("mail", {"waybill_no": "EMS9"}, "mailing"),
        *TO_CLOSED,
    ],
}

# Where each mode may give the one complete notice (一次性告知).
NOTICE_STATES = {
    "immediate": {"submitted", "reviewing"},
    "once": {"submitted", "reviewing"},
    "online": {"pre_review", "reviewing"},
    "agent": {"submitted", "reviewing"},
    "citywide": {"submitted", "reviewing"},
}


# The fields of a case the callbacks set.
CALLBACK_FIELDS = (
    "accepted_at",
    "decided_at",
    "delivered_at",
    "closed_at",
    "assignee",
    "agent",
    "waybill_no",
    "supplement_return",
)


def _case(state: str):
    """Return a stand-in case in this state, none of the fields the callbacks set filled in."""
    return SimpleNamespace(case_no="C1", state=state, **dict.fromkeys(CALLBACK_FIELDS))


def test_initial_states_by_mode():
    """Does each mode start where DESIGN.md says?"""
    initial = {mode: flow.definition(mode).initial for mode in flow.MODES}
    assert initial == {
        "immediate": "submitted",
        "once": "submitted",
        "online": "draft",
        "agent": "agent_requested",
        "citywide": "submitted",
    }


@pytest.mark.parametrize("mode", flow.MODES)
def test_happy_path_to_closed(mode):
    """Does each mode go from its initial state to closed, each trigger allowed where it is fired?"""
    workflow = flow.definition(mode)
    case = _case(workflow.initial)
    for trigger, kwargs, after in HAPPY_PATHS[mode]:
        assert trigger in workflow.allowed_triggers(case.state), (case.state, trigger)
        before = case.state
        assert workflow.fire(case, trigger, **kwargs) == before
        assert case.state == after
    assert case.closed_at == HAPPY_PATHS[mode][-1][1]["at"]


def test_callbacks_set_the_case_fields():
    """Do the callbacks record acceptance, the assignee, the decision, the waybill, delivery and closing?"""
    workflow = flow.definition("citywide")
    case = _case("submitted")
    for trigger, kwargs, _ in HAPPY_PATHS["citywide"]:
        workflow.fire(case, trigger, **kwargs)
    assert (
        case.accepted_at,
        case.assignee,
        case.decided_at,
        case.waybill_no,
        case.delivered_at,
        case.closed_at,
    ) == ("t1", "approver2", "t2", "EMS9", "t3", "t4")


def test_unclaim_clears_the_assignee():
    """Does an unclaimed case go back to the department's queue without an assignee?"""
    case = _case("in_approval")
    flow.definition("once").fire(case, "claim", actor="approver1")
    flow.definition("once").fire(case, "unclaim")
    assert (case.state, case.assignee) == ("in_approval", None)


def test_agent_and_on_spot_fields():
    """Does assign_agent record the agent, and complete_on_spot accept, decide and deliver at once?"""
    case = _case("agent_requested")
    flow.definition("agent").fire(case, "assign_agent", agent="agent1")
    assert case.agent == "agent1"
    case = _case("submitted")
    flow.definition("immediate").fire(case, "complete_on_spot", at="t1")
    assert (case.accepted_at, case.decided_at, case.delivered_at) == ("t1", "t1", "t1")


@pytest.mark.parametrize("mode", flow.MODES)
def test_supplement_returns_where_the_notice_was_given(mode):
    """Does 补齐材料 bring the case back to the state the notice was given in, whichever it was?"""
    workflow = flow.definition(mode)
    noticed_in = {s for s in workflow.states if "request_supplement" in workflow.allowed_triggers(s)}
    assert noticed_in == NOTICE_STATES[mode]
    for state in sorted(noticed_in):
        case = _case(state)
        workflow.fire(case, "request_supplement")
        assert (case.state, case.supplement_return) == ("awaiting_supplement", state)
        assert workflow.allowed_triggers("awaiting_supplement") == ["supplement", "withdraw"]
        workflow.fire(case, "supplement")
        assert (case.state, case.supplement_return) == (state, None)


def test_supplement_does_not_move_a_case_without_its_return_state():
    """Is supplement refused when the case does not say where the notice was given?"""
    case = _case("awaiting_supplement")
    with pytest.raises(RuntimeError):
        flow.definition("once").fire(case, "supplement")
    assert case.state == "awaiting_supplement"


@pytest.mark.parametrize("mode", flow.MODES)
def test_withdraw_only_before_a_decision(mode):
    """Is withdraw allowed in every undecided state of the mode, and in no decided or final one?"""
    workflow = flow.definition(mode)
    for state in workflow.states:
        undecided = state not in DECIDED_STATES | FINAL_STATES
        assert ("withdraw" in workflow.allowed_triggers(state)) == undecided, state
        if undecided:
            case = _case(state)
            workflow.fire(case, "withdraw")
            assert case.state == "withdrawn"


@pytest.mark.parametrize("mode", flow.MODES)
def test_final_states_have_no_triggers(mode):
    """Are not_accepted, closed and withdrawn reachable in every mode, and the end of it?"""
    workflow = flow.definition(mode)
    for state in FINAL_STATES:
        assert state in workflow.states
        assert workflow.allowed_triggers(state) == []


def test_definitions_are_built_once(monkeypatch):
    """Is there one Machine per definition, the same each call, with no Machine or model per case?"""
    for (mode, version), workflow in flow.DEFINITIONS.items():
        assert (workflow.mode, workflow.version) == (mode, version)
        assert flow.definition(mode, version) is workflow
        assert flow.definition(mode) is flow.definition(mode)
    assert len({id(w.machine) for w in flow.DEFINITIONS.values()}) == len(flow.DEFINITIONS)

    def no_new_machine(*args, **kwargs):
        raise AssertionError("a Machine was built while moving cases")

    monkeypatch.setattr(Machine, "__init__", no_new_machine)
    for mode in flow.MODES:
        workflow = flow.definition(mode)
        for _ in range(2):
            case = _case(workflow.initial)
            for trigger, kwargs, _ in HAPPY_PATHS[mode]:
                workflow.fire(case, trigger, **kwargs)
        assert workflow.machine.models == []


@pytest.mark.parametrize(
    ("state", "roles"),
    [("submitted", ("clerk",)), ("pre_review", ("clerk",)), ("reviewing", ("approver",)), ("accepted", ())],
)
def test_request_supplement_roles_per_state(state, roles):
    """Is the notice given by the clerk at intake and by the approver in review, and by nobody elsewhere?"""
    assert flow.roles_for("request_supplement", state) == roles


def test_roles_declared_for_exactly_the_triggers_of_the_definitions():
    """Does every trigger in ROLES exist in a definition, and every transition name who may fire it?"""
    triggers = {t["trigger"] for w in flow.DEFINITIONS.values() for t in w.transitions}
    assert set(flow.ROLES) == triggers
    for workflow in flow.DEFINITIONS.values():
        for transition in workflow.transitions:
            sources = transition["source"]
            for source in [sources] if isinstance(sources, str) else sources:
                trigger = transition["trigger"]
                assert flow.roles_for(trigger, source), (workflow.mode, trigger, source)
