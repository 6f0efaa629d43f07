"""Who may do what: every authorization rule of the API, the screens and Socket.IO, in one place.

A rule names the roles that may take an action (``admin`` holds every role) and where: in the
target's hall, in the district that decides a case, on the user's own cases. Callers name the
action and its target and get 403 ``forbidden`` with the rule's message when it is refused:

    policy.require(actor, "window.operate", hall_id=window.hall_id)
    policy.require(actor, "case.transition", case=case, trigger="claim")
    stmt.where(policy.case_scope(actor))          # the cases a user may read, as SQL

Which roles may fire each case trigger is declared beside the machine (``workflows.case.ROLES``);
this module adds the scope: clerks and supervisors act in their hall (clerks also at the hall that
hands a result over), approvers on their department's cases of their own district, agents on the
cases they filed or were assigned and on the requests (``agent_requested``) of their hall.
``admin`` acts on every hall (CONTRACT.md, Administration); ``hall_admin`` administers its own hall
(its queues, windows and staff) and may never grant ``admin``. Authentication (who the user is) stays
in ``queue_server.accounts.auth``; a request without a valid login is 401 there, before any rule here.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select, true

from queue_server.accounts.models import User
from queue_server.cases.models import Case, CaseTransfer
from queue_server.errors import Forbidden
from queue_server.extensions import db
from queue_server.queue import tree
from workflows import case as case_flow

# Roles that make a user staff; a user holding none of them may do nothing but sign in.
STAFF_ROLES = ("clerk", "approver", "supervisor", "agent", "consultant", "hall_admin", "admin")
# Roles whose users work on cases (and so may list them; each sees only the cases of their scope).
CASE_ROLES = ("clerk", "approver", "supervisor", "agent")


# --- where a user acts ---


def acts_everywhere(actor: User) -> bool:
    """Tell whether the user acts on every hall (an administrator)."""
    return "admin" in actor.roles


def acts_in(actor: User, hall_id: int | None) -> bool:
    """Tell whether the user acts in the hall: their own, or any for an administrator."""
    return acts_everywhere(actor) or (hall_id is not None and actor.hall_id == hall_id)


def district_of(hall_id: int | None) -> int | None:
    """Return the district hall whose departments decide the cases of a hall."""
    # 三级联动: a community's or station's staff belong to the district at the top of its branch.
    return tree.district_id(hall_id)


def decides_in(actor: User, hall_id: int | None) -> bool:
    """Tell whether the user's district is the one that decides the cases of the hall."""
    if acts_everywhere(actor):
        return True
    return actor.hall_id is not None and district_of(actor.hall_id) == district_of(hall_id)


def owns_case(actor: User, case: Case) -> bool:
    """Tell whether an agent holds the case: given to them, or filed by them and given to no one else."""
    if case.agent_id is not None:
        return case.agent_id == actor.id
    return case.created_by_id == actor.id


# --- the rules by action ---


@dataclass(frozen=True)
class Rule:
    """Who may take an action: any of ``roles``, and ``where`` the target lies (None: anywhere)."""

    roles: tuple[str, ...]
    who: str  # the refusal when the user holds none of the roles
    where: Callable[..., bool] | None = None
    elsewhere: str = ""  # the refusal when the target lies outside the user's scope


def _in_hall(actor: User, hall_id: int | None = None, **_) -> bool:
    return acts_in(actor, hall_id)


def _every_hall_or_own(actor: User, hall_id: int | None = None, **_) -> bool:
    """Require a named hall to be the user's; no hall at all means every hall: administrators only."""
    return acts_in(actor, hall_id) if hall_id is not None else acts_everywhere(actor)


def _own_hall_or_below(actor: User, hall_id: int | None = None, **_) -> bool:
    """Require the user's hall or one below it (三级联动: a district's supervisor watches its halls)."""
    if hall_id is None:
        return acts_everywhere(actor)
    return acts_in(actor, hall_id) or tree.is_below(hall_id, actor.hall_id)


def _own_department(actor: User, department_id: int | None = None, **_) -> bool:
    return acts_everywhere(actor) or (department_id is not None and actor.department_id == department_id)


def _case_readable(actor: User, case: Case, **_) -> bool:
    return can_read_case(actor, case)


def _own_agent_case(actor: User, case: Case, **_) -> bool:
    """Require an agent's case to lie in the agent's hall and be theirs (an administrator: any)."""
    return acts_everywhere(actor) or (acts_in(actor, case.hall_id) and owns_case(actor, case))


def _grants_no_admin(actor: User, roles=(), **_) -> bool:
    """Require that only an administrator grants, takes away or touches the ``admin`` role."""
    return acts_everywhere(actor) or "admin" not in roles


RULES: dict[str, Rule] = {
    # Staff pages and lists of a hall: any member of its staff.
    "hall.staff": Rule(STAFF_ROLES, "当前账号没有工作人员角色", _in_hall, "不能查看其他服务大厅的窗口和信息"),
    # A window's desk, call-next, its status, the tickets at it: the hall's clerks.
    "window.operate": Rule(
        ("clerk",), "只有窗口工作人员可以操作窗口和号票", _in_hall, "不能操作其他服务大厅的窗口和号票"
    ),
    "ticket.history": Rule(
        ("clerk", "supervisor"),
        "只有窗口工作人员和督查人员可以查看号票记录",
        _in_hall,
        "不能查看其他服务大厅的号票记录",
    ),
    # Watching a hall: the supervisor screen and its alerts, figures, reports, rectification; the
    # supervisor of a district or community hall watches every hall below it too.
    "hall.supervise": Rule(
        ("supervisor",),
        "只有督查人员和管理员可以执行此操作",
        _own_hall_or_below,
        "不能查看或处理其他服务大厅的监督数据",
    ),
    # Case notices (case numbers, states, approvers) pushed to a hall's staff screens; not agents'.
    "hall.case_notices": Rule(
        ("clerk", "approver", "supervisor"),
        "当前账号不接收办件通知",
        _in_hall,
        "不能接收其他服务大厅的办件通知",
    ),
    # 代理办: the agent screen (agents, and the supervisors who watch its roster), a visit booked by the
    # agent holding the case, and the live notices of the hall's agent cases.
    "agent.screen": Rule(("agent", "supervisor"), "只有代办员和督查人员可以进入代办工作台"),
    "agent.visit": Rule(
        ("agent",), "只有代办员可以预约上门", _own_agent_case, "代办员只能办理本服务大厅、本人代办的办件"
    ),
    "hall.agent_notices": Rule(
        ("agent",), "当前账号不接收代办通知", _in_hall, "不能接收其他服务大厅的代办通知"
    ),
    # 在线咨询 (docs/consultations.md): the consultants answer the citizens' questions of every item;
    # supervisors also watch the figures (questions, answers, time to answer).
    "consultation.answer": Rule(("consultant",), "只有咨询人员可以答复在线咨询"),
    "consultation.figures": Rule(("consultant", "supervisor"), "只有咨询人员和督查人员可以查看咨询统计"),
    "case.create": Rule(
        ("clerk", "agent"), "只有窗口工作人员和代办员可以登记办件", _in_hall, "不能在其他服务大厅登记办件"
    ),
    "case.list": Rule(CASE_ROLES, "当前账号的角色不能查看办件"),
    # 流转单: a hall's clerks send a case's paper file from their hall and receive what comes to it.
    "case.transfer": Rule(
        ("clerk",), "只有窗口工作人员可以登记案卷流转", _in_hall, "只能登记本服务大厅发出或收到的案卷"
    ),
    "case.read": Rule(CASE_ROLES, "当前账号的角色不能查看办件", _case_readable, "无权查看该办件"),
    "department.approvers": Rule(
        ("approver",), "只有审批人员可以查看部门审批人员", _own_department, "只能查看本部门的审批人员"
    ),
    # The back office's tabs: 网上预审 for clerks, the approval lists for approvers; supervisors watch both.
    "backoffice.pre_review": Rule(("clerk", "supervisor"), "只有窗口工作人员和督查人员可以网上预审"),
    "backoffice.approval": Rule(("approver", "supervisor"), "只有审批人员和督查人员可以进入后台审批"),
    # Administration (CONTRACT.md): the installation's halls and departments are the administrators';
    # a hall's queues, windows and staff also its hall administrator's; audit entries follow the hall.
    "admin.console": Rule(("hall_admin",), "只有管理员可以进入管理后台"),
    "hall.create": Rule((), "只有系统管理员可以新建服务大厅"),
    "department.create": Rule((), "只有系统管理员可以新建部门"),
    # The 五办 item list is the installation's: kept and published by administrators only; a hall
    # administrator reads it (drafts and versions included) to see what its windows take in.
    "service.administer": Rule((), "只有系统管理员可以管理事项清单"),
    "service.read": Rule(("hall_admin",), "只有管理员可以查看事项清单"),
    # So is the working-day calendar (docs/calendar.md): every hall counts time limits by it.
    "calendar.administer": Rule((), "只有系统管理员可以管理工作日历"),
    "hall.administer": Rule(
        ("hall_admin",), "只有管理员可以管理服务大厅", _every_hall_or_own, "不能管理其他服务大厅"
    ),
    "user.administer": Rule(
        ("hall_admin",), "只有管理员可以管理工作人员", _every_hall_or_own, "只能管理本服务大厅的工作人员"
    ),
    "role.grant": Rule(
        ("hall_admin",),
        "只有管理员可以分配角色",
        _grants_no_admin,
        "只有系统管理员可以授予、收回或变更管理员（admin）角色",
    ),
}


def refusal(actor: User, action: str, **target) -> str | None:
    """Say why the user may not take the action on the target, or None when they may."""
    if action == "case.transition":
        return transition_problem(actor, target["case"], target["trigger"])
    rule = RULES[action]
    if not actor.has_role(*rule.roles):
        return rule.who
    if rule.where is not None and not rule.where(actor, **target):
        return rule.elsewhere
    return None


def allows(actor: User | None, action: str, **target) -> bool:
    """Tell whether the user may take the action on the target."""
    return actor is not None and refusal(actor, action, **target) is None


def require(actor: User, action: str, **target) -> None:
    """Refuse (403 forbidden) a user who may not take the action on the target."""
    problem = refusal(actor, action, **target)
    if problem is not None:
        if action == "case.transition":
            raise Forbidden(problem, {"trigger": target["trigger"], "state": target["case"].state})
        raise Forbidden(problem)


def admin_scope(actor: User, hall_column):
    """Return the SQL condition on a hall column that keeps what the user administers."""
    if acts_everywhere(actor):
        return true()
    if not actor.has_role("hall_admin") or actor.hall_id is None:
        return false()
    return hall_column == actor.hall_id


# --- cases ---


def case_scope(actor: User):
    """Return the SQL condition on ``Case`` that keeps the cases the user may read."""
    if acts_everywhere(actor):
        return true()
    seen = []
    if actor.has_role("clerk", "supervisor") and actor.hall_id is not None:
        # The hall's cases, those whose result it hands over, and those whose paper file was sent to or
        # from it (同城办: the deciding district's back office receives the file and sends it on).
        on_slips = select(CaseTransfer.case_id).where(
            or_(CaseTransfer.from_hall_id == actor.hall_id, CaseTransfer.to_hall_id == actor.hall_id)
        )
        seen.append(
            or_(Case.hall_id == actor.hall_id, Case.delivery_hall_id == actor.hall_id, Case.id.in_(on_slips))
        )
    if actor.has_role("approver") and actor.department_id is not None and actor.hall_id is not None:
        # Their department's cases whose jurisdiction is their district (同城办: wherever accepted);
        # a bundle's parent is never approved itself.
        district = district_of(actor.hall_id)
        seen.append(
            and_(
                Case.department_id == actor.department_id,
                Case.jurisdiction_id == district,
                Case.mode != case_flow.BUNDLE,
            )
        )
    if actor.has_role("agent"):
        # Their own cases, and the requests of their hall waiting for an agent.
        seen.append(
            or_(
                Case.created_by_id == actor.id,
                Case.agent_id == actor.id,
                and_(Case.hall_id == actor.hall_id, Case.state == "agent_requested"),
            )
        )
    return or_(*seen) if seen else false()


def can_read_case(actor: User, case: Case) -> bool:
    """Tell whether the user may read the case (its details, documents and uploaded files)."""
    if not actor.has_role(*CASE_ROLES):
        return False
    return db.session.scalar(select(Case.id).where(Case.id == case.id, case_scope(actor))) is not None


def transition_problem(actor: User, case: Case, trigger: str) -> str | None:
    """Say why the user may not fire this trigger on the case now, or None when they may."""
    roles = [role for role in case_flow.roles_for(trigger, case.state) if actor.has_role(role)]
    if not roles:
        return "当前账号的角色不能执行此操作"
    if acts_everywhere(actor):
        return None
    problems = [_case_scope_problem(actor, case, trigger, role) for role in roles]
    return None if None in problems else problems[0]


def _case_scope_problem(actor: User, case: Case, trigger: str, role: str) -> str | None:
    """Say why the user, acting in this role, may not fire the trigger on this case, or None."""
    if role == "approver":
        if actor.department_id != case.department_id:
            return "只能审批本部门的办件"
        if not decides_in(actor, case.jurisdiction_id):
            return "只能审批本辖区的办件"
        # Only the approver holding the case (its assignee) decides it, suspends it or asks for more.
        holds_case = trigger in case_flow.ASSIGNEE_TRIGGERS or (trigger, case.state) == (
            "request_supplement",
            "reviewing",
        )
        if holds_case and case.assignee_id != actor.id:
            return "该办件由其他审批人员办理"
        return None
    if role == "clerk":
        if trigger == "deliver":  # 异地代收: only the pickup hall's clerks hand the result over
            return None if acts_in(actor, case.delivery_hall_id) else "只能由领取大厅的工作人员送达办件结果"
        halls = [case.hall_id] + ([case.delivery_hall_id] if trigger in case_flow.PICKUP_TRIGGERS else [])
        return None if any(acts_in(actor, hall_id) for hall_id in halls) else "不能办理其他服务大厅的办件"
    if role == "agent":
        if not acts_in(actor, case.hall_id):
            return "不能办理其他服务大厅的办件"
        if trigger != "assign_agent" and not owns_case(actor, case):
            return "代办员只能办理本人代办的办件"
        return None
    return None if acts_in(actor, case.hall_id) else "不能办理其他服务大厅的办件"


def department_approvers(actor: User, department_id: int):
    """Return the SQL condition on ``User`` that keeps the approvers of a department the user may list."""
    condition = and_(User.department_id == department_id, User.active.is_(True))
    if acts_everywhere(actor):
        return condition
    return and_(condition, User.hall_id == district_of(actor.hall_id))
