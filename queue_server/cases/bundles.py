"""主题式 一件事 cases: which part waits for which, which may start, and what a part never does by itself.

A bundle's parent case is taken in once; each part (a child case) goes to its department as soon as
the parts it waits for (the bundle's ``depends``) are approved; until then it waits (等待前置事项).
"""

from queue_server.cases.models import Case
from queue_server.citizen.bundles import waits_for
from queue_server.citizen.items import terms_of
from workflows import case as case_flow

# A part that reached one of these has been granted: the parts waiting for it may start.
GRANTED_STATES = {"approved", "delivered", "closed"}
# A part in one of these was not granted: the parts waiting for it cannot start.
FAILED_STATES = {"denied", "not_accepted", "withdrawn"}
# Parts no longer counted in the bundle (refused before review, withdrawn).
DROPPED_STATES = {"not_accepted", "withdrawn"}

WAITING_NAME = "等待前置事项"


def part_code(case: Case) -> str:
    return case.service.code


def predecessors(part: Case) -> list[Case]:
    """Return the parts of the same bundle this part waits for."""
    parent = part.parent
    if parent is None:
        return []
    siblings = {part_code(child): child for child in parent.children}
    return [siblings[code] for code in waits_for(terms_of(parent), part_code(part), list(siblings))]


def is_waiting(part: Case) -> bool:
    """Tell whether a part of an accepted bundle has not started yet (等待前置事项)."""
    parent = part.parent
    return (
        parent is not None
        and parent.accepted_at is not None
        and part.accepted_at is None
        and part.state == "submitted"
    )


def waiting_for(part: Case) -> list[str]:
    """Return the codes of the parts a waiting part still waits for."""
    if not is_waiting(part):
        return []
    return [part_code(other) for other in predecessors(part) if other.state not in GRANTED_STATES]


def start_status(part: Case) -> str | None:
    """Say what a waiting part may do now: ``ready`` to start, ``blocked`` for good, or None (wait on)."""
    if not is_waiting(part):
        return None
    before = predecessors(part)
    if any(other.state in FAILED_STATES for other in before):
        return "blocked"
    if all(other.state in GRANTED_STATES for other in before):
        return "ready"
    return None


def siblings(part: Case) -> list[Case]:
    """Return the other parts of the same bundle (an approver sees the whole event)."""
    if part.parent is None:
        return []
    return [child for child in part.parent.children if child.id != part.id]


def refusal(case: Case, trigger: str) -> tuple[str, dict] | None:
    """Say why a bundle, or a part of one, may not take a trigger its state allows: (message, details)."""
    if case.parent is not None:
        if trigger in case_flow.PARENT_TRIGGERS or (
            trigger in ("request_supplement", "supplement") and case.accepted_at is None
        ):
            return (
                f"主题式服务的子件由主件 {case.parent.case_no} 统一受理、告知和出件",
                {"parent": case.parent.case_no},
            )
        return None
    if case.mode != case_flow.BUNDLE:
        return None
    if trigger in ("notify_pickup", "mail"):
        undecided = [
            child.case_no
            for child in case.children
            if child.decided_at is None and child.state not in DROPPED_STATES
        ]
        if undecided:
            return "仍有子件在审批中，全部办结后才能出件", {"undecided": undecided}
    if trigger == "withdraw":
        decided = [child.case_no for child in case.children if child.decided_at is not None]
        if decided:
            return "已有子件作出决定，不能整件撤回", {"decided": decided}
    return None


def every_part_decided(parent: Case) -> bool:
    """Tell whether every part still counted in the bundle has its decision."""
    return all(child.decided_at is not None for child in parent.children if child.state not in DROPPED_STATES)
