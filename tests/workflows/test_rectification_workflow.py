"""The rectification machine: open → assigned → closed, follow-up notes while it is not closed."""

from types import SimpleNamespace

from workflows import rectification as rect_flow


def test_triggers_by_state():
    assert rect_flow.allowed_triggers("open") == ["assign", "follow_up"]
    assert rect_flow.allowed_triggers("assigned") == ["assign", "follow_up", "close"]
    assert rect_flow.allowed_triggers("closed") == []


def test_fire_moves_the_item_and_runs_the_callbacks():
    item = SimpleNamespace(state="open", assignee=None, action=None, closed_at=None)
    assert rect_flow.fire(item, "assign", at="t1", assignee="clerk1") == "open"
    assert (item.state, item.assignee) == ("assigned", "clerk1")
    assert rect_flow.fire(item, "follow_up", at="t2") == "assigned" and item.state == "assigned"
    rect_flow.fire(item, "close", at="t3", action="增开窗口")
    assert (item.state, item.action, item.closed_at) == ("closed", "增开窗口", "t3")


def test_names_cover_every_state_and_trigger():
    assert set(rect_flow.STATE_NAMES) == set(rect_flow.STATES)
    assert set(rect_flow.TRIGGER_NAMES) == {"open", *rect_flow.TRIGGERS}
