"""The case (办件) state machines of DESIGN.md: one definition per mode and version, built once.

Every mode shares the core path (accept, dispatch, claim, decide, pick up or mail, deliver, close);
each adds its own beginning. A case stores the version it started on and is always moved by that
version's machine: ``definition(mode, version).fire(case, trigger, **kwargs)``.

Which roles may fire each trigger is declared here, beside the transitions (``ROLES``); the
department and hall scope of a user is checked by the operations in ``queue_server.cases.transitions``.
"""

from dataclasses import dataclass, field

from transitions import EventData, Machine

from workflows import machines
from workflows.machines import shared_machine

VERSION = 1

MODES = ("immediate", "online", "once", "agent", "citywide")
# 主题式服务 (一件事): a parent case whose children, one per item, are approved in parallel.
BUNDLE = "bundle"
MODE_NAMES = {
    "immediate": "马上办",
    "online": "网上办",
    "once": "一次办",
    "agent": "代理办",
    "citywide": "同城办",
    BUNDLE: "主题式服务",
}

STATES = [
    "draft",
    "pre_review",
    "agent_requested",
    "agent_assigned",
    "submitted",
    "awaiting_supplement",
    "not_accepted",
    "accepted",
    "in_approval",
    "reviewing",
    "suspended",
    "approved",
    "denied",
    "ready_for_pickup",
    "mailing",
    "delivered",
    "closed",
    "withdrawn",
]
# What the applicant and the staff read for each state.
STATE_NAMES = {
    "draft": "草稿",
    "pre_review": "网上预审中",
    "agent_requested": "待指派代办员",
    "agent_assigned": "代办员办理中",
    "submitted": "已提交，待受理",
    "awaiting_supplement": "待补正材料",
    "not_accepted": "不予受理",
    "accepted": "已受理",
    "in_approval": "待审批",
    "reviewing": "审批中",
    "suspended": "中止（听证、检验、鉴定等）",
    "approved": "准予许可",
    "denied": "不予许可",
    "ready_for_pickup": "待领取",
    "mailing": "邮寄中",
    "delivered": "已送达",
    "closed": "已办结归档",
    "withdrawn": "已撤回",
}
TRIGGER_NAMES = {
    "accept": "受理",
    "accept_with_deficiency": "容缺受理",
    "request_supplement": "一次性告知补正",
    "supplement": "补齐材料",
    "refuse": "不予受理",
    "dispatch": "分送",
    "claim": "认领",
    "unclaim": "退回待认领",
    "reassign": "转办",
    "suspend": "中止（听证/检验/检测/鉴定/专家评审）",
    "resume": "恢复",
    "approve": "准予",
    "deny": "不予许可",
    "notify_pickup": "通知取件",
    "mail": "邮寄",
    "deliver": "送达",
    "close": "归档",
    "withdraw": "撤回",
    "complete_on_spot": "当场办结",
    "submit": "提交",
    "pass_pre_review": "预审通过",
    "assign_agent": "指派代办员",
}
FINAL_STATES = {"not_accepted", "closed", "withdrawn"}
# States before a decision, from which the applicant may withdraw.
UNDECIDED_STATES = [
    "draft",
    "pre_review",
    "agent_requested",
    "agent_assigned",
    "submitted",
    "awaiting_supplement",
    "accepted",
    "in_approval",
    "reviewing",
    "suspended",
]
# States in which the clock is stopped (一次性告知补正; §45 hearing, testing, inspection …).
PAUSED_STATES = {"awaiting_supplement", "suspended"}

# The reasons a case may be suspended for (行政许可法 §45).
SUSPEND_KINDS = {
    "hearing": "听证",
    "testing": "检验",
    "inspection": "检测、现场勘验",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
}

# Who may fire each trigger. A dict value names the roles per source state. Admin holds every role.
ROLES: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]] = {
    "submit": ("clerk", "agent"),
    "pass_pre_review": ("clerk",),
    "assign_agent": ("supervisor", "agent"),
    "accept": ("clerk",),
    "accept_with_deficiency": ("clerk",),
    "complete_on_spot": ("clerk",),
    "request_supplement": {"submitted": ("clerk",), "pre_review": ("clerk",), "reviewing": ("approver",)},
    "supplement": ("clerk", "agent"),
    "refuse": ("clerk",),
    "dispatch": ("clerk",),
    "claim": ("approver",),
    "unclaim": ("approver",),
    "reassign": ("approver",),
    "suspend": ("approver",),
    "resume": ("approver",),
    "approve": ("approver",),
    "deny": ("approver",),
    "notify_pickup": ("clerk", "approver"),
    "mail": ("clerk", "approver"),
    # An agent hands the result of their own case over at the station or at the applicant's home.
    "deliver": ("clerk", "agent"),
    "close": ("clerk", "supervisor"),
    "withdraw": ("clerk", "agent"),
}

# Triggers the back office fires: only an approver of the case's department may.
DEPARTMENT_TRIGGERS = {"claim", "unclaim", "reassign", "suspend", "resume", "approve", "deny"}
# Of those, the ones only the approver holding the case (its assignee) may fire.
ASSIGNEE_TRIGGERS = {"unclaim", "reassign", "suspend", "resume", "approve", "deny"}
# Triggers fired at the hall where the result is handed over (the delivery hall).
PICKUP_TRIGGERS = {"notify_pickup", "mail", "deliver", "close"}


def roles_for(trigger: str, state: str) -> tuple[str, ...]:
    """Return the roles that may fire a trigger from a state."""
    roles = ROLES.get(trigger, ())
    return roles.get(state, ()) if isinstance(roles, dict) else roles


# --- callbacks: they only set the case's own fields; the operations do the rest ---


def _on_accept(event: EventData) -> None:
    event.model.accepted_at = event.kwargs["at"]


def _on_request_supplement(event: EventData) -> None:
    event.model.supplement_return = event.transition.source


def _returns_to(state: str):
    def condition(event: EventData) -> bool:
        return event.model.supplement_return == state

    return condition


def _on_supplement(event: EventData) -> None:
    event.model.supplement_return = None


def _on_claim(event: EventData) -> None:
    event.model.assignee = event.kwargs["actor"]


def _on_unclaim(event: EventData) -> None:
    event.model.assignee = None


def _on_reassign(event: EventData) -> None:
    event.model.assignee = event.kwargs["assignee"]


def _on_decide(event: EventData) -> None:
    event.model.decided_at = event.kwargs["at"]


def _on_mail(event: EventData) -> None:
    event.model.waybill_no = event.kwargs["waybill_no"]


def _on_deliver(event: EventData) -> None:
    event.model.delivered_at = event.kwargs["at"]


def _on_complete_on_spot(event: EventData) -> None:
    case, at = event.model, event.kwargs["at"]
    case.accepted_at = case.decided_at = case.delivered_at = at
    case.completed_on_spot = True


def _on_close(event: EventData) -> None:
    event.model.closed_at = event.kwargs["at"]


def _on_assign_agent(event: EventData) -> None:
    event.model.agent = event.kwargs["agent"]


CORE_TRANSITIONS = [
    {"trigger": "accept", "source": "submitted", "dest": "accepted", "after": _on_accept},
    {"trigger": "accept_with_deficiency", "source": "submitted", "dest": "accepted", "after": _on_accept},
    {
        "trigger": "request_supplement",
        "source": ["submitted", "reviewing"],
        "dest": "awaiting_supplement",
        "after": _on_request_supplement,
    },
    {"trigger": "refuse", "source": "submitted", "dest": "not_accepted"},
    {"trigger": "dispatch", "source": "accepted", "dest": "in_approval"},
    {"trigger": "claim", "source": "in_approval", "dest": "reviewing", "after": _on_claim},
    {"trigger": "unclaim", "source": "reviewing", "dest": "in_approval", "after": _on_unclaim},
    {"trigger": "reassign", "source": "reviewing", "dest": "=", "after": _on_reassign},
    {"trigger": "suspend", "source": "reviewing", "dest": "suspended"},
    {"trigger": "resume", "source": "suspended", "dest": "reviewing"},
    {"trigger": "approve", "source": "reviewing", "dest": "approved", "after": _on_decide},
    {"trigger": "deny", "source": "reviewing", "dest": "denied", "after": _on_decide},
    {"trigger": "notify_pickup", "source": ["approved", "denied"], "dest": "ready_for_pickup"},
    {"trigger": "mail", "source": ["approved", "denied"], "dest": "mailing", "after": _on_mail},
    {
        "trigger": "deliver",
        "source": ["ready_for_pickup", "mailing"],
        "dest": "delivered",
        "after": _on_deliver,
    },
    {"trigger": "close", "source": "delivered", "dest": "closed", "after": _on_close},
]

PRE_REVIEW_TRANSITIONS = [
    {"trigger": "submit", "source": "draft", "dest": "pre_review"},
    {"trigger": "pass_pre_review", "source": "pre_review", "dest": "accepted", "after": _on_accept},
    {
        "trigger": "request_supplement",
        "source": "pre_review",
        "dest": "awaiting_supplement",
        "after": _on_request_supplement,
    },
    {"trigger": "refuse", "source": "pre_review", "dest": "not_accepted"},
]

AGENT_TRANSITIONS = [
    {
        "trigger": "assign_agent",
        "source": "agent_requested",
        "dest": "agent_assigned",
        "after": _on_assign_agent,
    },
    {"trigger": "submit", "source": "agent_assigned", "dest": "submitted"},
]

ON_SPOT_TRANSITIONS = [
    {
        "trigger": "complete_on_spot",
        "source": "submitted",
        "dest": "delivered",
        "after": _on_complete_on_spot,
    },
]


@dataclass(frozen=True)
class CaseWorkflow:
    """One mode's machine at one version, built once and shared by every case that uses it."""

    mode: str
    version: int
    initial: str
    transitions: list[dict]
    machine: Machine = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        states = [state for state in STATES if state in _states_of(self.transitions) | {self.initial}]
        object.__setattr__(self, "machine", shared_machine(states, self.transitions))

    @property
    def states(self) -> list[str]:
        return list(self.machine.states)

    def allowed_triggers(self, state: str) -> list[str]:
        """List the triggers the machine accepts in a state, in definition order."""
        return self.machine.get_triggers(state)

    def fire(self, case, trigger: str, **kwargs) -> str:
        """Fire a trigger on a case and return the state it left; the caller checked it is allowed."""
        return machines.fire(self.machine, case, trigger, **kwargs)


def _states_of(transitions: list[dict]) -> set[str]:
    found: set[str] = set()
    for transition in transitions:
        found.update(_sources(transition))
        if transition["dest"] != "=":
            found.add(transition["dest"])
    return found


def _sources(transition: dict) -> list[str]:
    sources = transition["source"]
    return [sources] if isinstance(sources, str) else list(sources)


# The parent of a bundle is taken in once; its children go to their departments at the same time and
# are decided each on its own; when every child is decided the parent is ready (notify_pickup, fired by
# the system for pickup, or mail), and handing it over delivers and closes them all.
BUNDLE_TRANSITIONS = [
    {"trigger": "accept", "source": "submitted", "dest": "accepted", "after": _on_accept},
    {
        "trigger": "request_supplement",
        "source": "submitted",
        "dest": "awaiting_supplement",
        "after": _on_request_supplement,
    },
    {"trigger": "refuse", "source": "submitted", "dest": "not_accepted"},
    {"trigger": "dispatch", "source": "accepted", "dest": "in_approval"},
    {"trigger": "notify_pickup", "source": "in_approval", "dest": "ready_for_pickup"},
    {"trigger": "mail", "source": "in_approval", "dest": "mailing", "after": _on_mail},
    {
        "trigger": "deliver",
        "source": ["ready_for_pickup", "mailing"],
        "dest": "delivered",
        "after": _on_deliver,
    },
    {"trigger": "close", "source": "delivered", "dest": "closed", "after": _on_close},
]
# Triggers a bundle's child never takes by itself: the parent takes them for all its children.
PARENT_TRIGGERS = {
    "accept",
    "accept_with_deficiency",
    "refuse",
    "notify_pickup",
    "mail",
    "deliver",
    "close",
    "withdraw",
    "complete_on_spot",
}


def _build(
    mode: str, initial: str, extra: list[dict], core: list[dict] | None = None, version: int = VERSION
) -> CaseWorkflow:
    """Join a mode's own beginning to the core path, keeping only the states the mode can reach."""
    candidates = extra + (CORE_TRANSITIONS if core is None else core)
    reachable, frontier = {initial}, [initial]
    while frontier:
        state = frontier.pop()
        for transition in candidates:
            if state in _sources(transition) and transition["dest"] not in ("=", *reachable):
                reachable.add(transition["dest"])
                frontier.append(transition["dest"])
    transitions = []
    for transition in candidates:
        sources = [state for state in _sources(transition) if state in reachable]
        if sources:
            transitions.append({**transition, "source": sources})
    # 补正 returns the case to the state the notice was given in.
    noticed_in = [state for t in transitions if t["trigger"] == "request_supplement" for state in t["source"]]
    transitions += [
        {
            "trigger": "supplement",
            "source": "awaiting_supplement",
            "dest": back,
            "conditions": _returns_to(back),
            "after": _on_supplement,
        }
        for back in noticed_in
    ]
    withdrawable = [state for state in UNDECIDED_STATES if state in reachable]
    transitions.append({"trigger": "withdraw", "source": withdrawable, "dest": "withdrawn"})
    return CaseWorkflow(mode, version, initial, transitions)


# A bundle applied for online (网上办 一件事) moves by its own flavour of the bundle machine: the online
# beginning (draft, submit, 网上预审) joined to the bundle's path. It is kept under a version of its own,
# so that the window's bundles stay on version 1.
ONLINE_BUNDLE_VERSION = 2

# (mode, version) -> definition. A new version is added beside the old ones, never in their place.
DEFINITIONS: dict[tuple[str, int], CaseWorkflow] = {
    ("immediate", 1): _build("immediate", "submitted", ON_SPOT_TRANSITIONS),
    ("once", 1): _build("once", "submitted", []),
    ("online", 1): _build("online", "draft", PRE_REVIEW_TRANSITIONS),
    ("agent", 1): _build("agent", "agent_requested", AGENT_TRANSITIONS),
    ("citywide", 1): _build("citywide", "submitted", []),
    (BUNDLE, 1): _build(BUNDLE, "submitted", BUNDLE_TRANSITIONS, core=[]),
    (BUNDLE, ONLINE_BUNDLE_VERSION): _build(
        BUNDLE, "draft", PRE_REVIEW_TRANSITIONS, core=BUNDLE_TRANSITIONS, version=ONLINE_BUNDLE_VERSION
    ),
}


def definition(mode: str, version: int = VERSION) -> CaseWorkflow:
    """Return the machine a case of this mode and version moves by."""
    return DEFINITIONS[(mode, version)]


def applied_online(mode: str, version: int = VERSION) -> bool:
    """Tell whether a case of this mode and version was applied for online (it starts as a draft)."""
    return definition(mode, version).initial == "draft"
