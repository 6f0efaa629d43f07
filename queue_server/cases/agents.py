"""代理办 and 上门办理: a citizen asks a hall's agents, an agent books a visit; the roster and its figures.

Operations flush but never commit; they take the acting user and check what that user may do. Taking a
request (``assign_agent``), submitting it (``submit``) and handing its result over (``deliver``) are
case triggers and go through ``queue_server.cases.transitions`` like every other.
"""

from datetime import date, datetime, time, timedelta
from statistics import median
from types import SimpleNamespace

from sqlalchemy import select

from queue_server import outbox
from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.cases.agent_models import VISIT_REASONS, AgentRequest
from queue_server.cases.agent_schemas import AgentRequestBody, AgentStatsQuery, VisitBody
from queue_server.cases.intake import hall_in_body, new_case
from queue_server.cases.models import Case, CaseEvent
from queue_server.citizen import accepting
from queue_server.citizen.items import published_service
from queue_server.errors import Conflict, InvalidRequest
from queue_server.extensions import db
from queue_server.notify import sms as notify
from queue_server.queue.models import Hall

AGENT = "agent"
# States in which an agent may book (or move) a visit: to collect materials, or to hand the result over.
VISIT_STATES = ("agent_assigned", "ready_for_pickup")
# A visit is booked at most this far ahead.
VISIT_HORIZON = timedelta(days=60)


def request_agent(req: AgentRequestBody) -> Case:
    """Open a 代理办 case at a hall for a citizen: its agents take it from their list (agent_requested)."""
    fields: dict[str, str] = {}
    hall = None
    try:
        hall = hall_in_body(req.hall, "hall")
    except InvalidRequest as exc:
        fields |= exc.details["fields"]
    service = published_service(req.service)
    if service is None:
        fields["service"] = f"事项不存在：{req.service}"
    elif AGENT not in service.modes:
        fields["service"] = f"“{service.name}”不提供代办服务，请到大厅窗口办理"
    elif hall is not None and (not_here := accepting.refusal(hall, service)) is not None:
        fields["service"] = not_here
    if req.home_visit:
        if not req.address:
            fields["address"] = "上门办理须填写上门地址"
        if not req.reasons:
            fields["reasons"] = "请选择上门办理的原因：高龄、残疾、患病或其他"
        elif "other" in req.reasons and not req.note:
            fields["note"] = "原因为“其他”时请简要说明"
    elif req.reasons:
        fields["reasons"] = "只有上门办理需要填写原因"
    if fields:
        raise InvalidRequest(fields)

    at = clock.now()
    applicant = SimpleNamespace(name=req.applicant.name, phone=req.applicant.phone, id_number="")
    delivery = {"delivery_method": "pickup", "delivery_hall": hall, "delivery_address": None}
    history = {"home_visit": req.home_visit}
    if req.reasons:
        history["reasons"] = [VISIT_REASONS[reason] for reason in req.reasons]
    case = new_case(service, AGENT, hall, applicant, None, at, delivery, note=req.note, data=history)
    db.session.add(
        AgentRequest(
            case=case,
            address=req.address,
            home_visit=req.home_visit,
            reasons=list(dict.fromkeys(req.reasons)),
            note=req.note,
            channel=req.channel,
        )
    )
    db.session.flush()
    notify.notify(
        case.applicant_phone,
        "agent_requested",
        case_no=case.case_no,
        service_name=service.name,
        home_visit=req.home_visit,
        hall_name=hall.name,
    )
    outbox.record("case_changed", case)
    return case


def book_visit(case: Case, req: VisitBody, actor: User) -> Case:
    """Book (or move) the agent's visit to the applicant; the applicant gets an SMS and sees it online."""
    policy.require(actor, "agent.visit", case=case)
    if case.state not in VISIT_STATES:
        raise Conflict("只有代办员办理中或待领取的办件可以预约上门", {"state": case.state})
    at = clock.now()
    when = req.at if req.at.tzinfo else req.at.replace(tzinfo=clock.hall_tz())
    if when <= at:
        raise InvalidRequest({"at": "上门时间应晚于现在"})
    if when > at + VISIT_HORIZON:
        raise InvalidRequest({"at": "上门时间最多预约 60 天以内"})
    asked = case.agent_request
    if asked is None:
        asked = AgentRequest(case=case, home_visit=False, reasons=[])
        db.session.add(asked)
    address = req.address or asked.address
    if not address:
        raise InvalidRequest({"address": "请填写上门地址"})
    asked.visit_at = when
    asked.visit_address = address
    asked.visit_booked_by = actor.record()
    asked.visit_booked_at = at
    db.session.flush()
    notify.notify(
        case.applicant_phone,
        "agent_visit_booked",
        case_no=case.case_no,
        service_name=case.service.name,
        visit_at=when,
        agent_name=actor.name,
        hall_name=case.hall.name,
    )
    outbox.record("case_changed", case)
    return case


# --- the roster and its figures ---


def halls_served(hall: Hall) -> list[Hall]:
    """Return the hall and every hall below it (when halls form a tree), the hall first."""
    parent = getattr(Hall, "parent_id", None)
    found, frontier = [hall], [hall.id]
    while parent is not None and frontier:
        below = db.session.scalars(select(Hall).where(parent.in_(frontier)).order_by(Hall.code)).all()
        below = [h for h in below if h not in found]
        found += below
        frontier = [h.id for h in below]
    return found


def _agents_of(halls: list[Hall]) -> list[User]:
    users = db.session.scalars(
        select(User).where(User.hall_id.in_([h.id for h in halls])).order_by(User.hall_id, User.username)
    ).all()
    return [user for user in users if AGENT in (user.roles or []) and "admin" not in user.roles]


def roster(hall: Hall, actor: User) -> list[dict]:
    """List the agents who serve the hall and the halls below it, with their open cases now."""
    policy.require(actor, "hall.supervise", hall_id=hall.id)
    halls = halls_served(hall)
    agents = _agents_of(halls)
    open_cases: dict[int, int] = {}
    waiting: dict[int, int] = {}
    for case in db.session.scalars(
        select(Case).where(Case.mode == AGENT, Case.hall_id.in_([h.id for h in halls]))
    ):
        if case.state == "agent_requested":
            waiting[case.hall_id] = waiting.get(case.hall_id, 0) + 1
        elif case.agent_id is not None and case.state not in ("closed", "withdrawn", "not_accepted"):
            open_cases[case.agent_id] = open_cases.get(case.agent_id, 0) + 1
    return [
        {
            "username": agent.username,
            "name": agent.name,
            "hall": agent.hall.code,
            "hall_name": agent.hall.name,
            "active": agent.active,
            "open_cases": open_cases.get(agent.id, 0),
            "hall_waiting": waiting.get(agent.hall_id, 0),
        }
        for agent in agents
    ]


def agent_figures(hall: Hall, query: AgentStatsQuery, actor: User) -> dict:
    """Count per agent in the period (hall dates): taken, submitted, handed over, median time to take."""
    policy.require(actor, "hall.supervise", hall_id=hall.id)
    end = query.to or clock.today()
    start = query.from_ or end.replace(day=1)
    if end < start:
        raise InvalidRequest({"to": "结束日期不能早于开始日期"})
    since, until = _bounds(start, end)
    halls = halls_served(hall)
    agents = _agents_of(halls)
    rows = {
        agent.id: {"taken": 0, "submitted": 0, "handed_over": 0, "waits": [], "agent": agent}
        for agent in agents
    }
    events = db.session.execute(
        select(CaseEvent.trigger, CaseEvent.at, Case.agent_id, Case.created_at)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            Case.mode == AGENT,
            Case.hall_id.in_([h.id for h in halls]),
            CaseEvent.trigger.in_(("assign_agent", "submit", "deliver")),
            CaseEvent.at >= since,
            CaseEvent.at < until,
        )
    ).all()
    for trigger, at, agent_id, created_at in events:
        row = rows.get(agent_id)
        if row is None:
            continue
        if trigger == "assign_agent":
            row["taken"] += 1
            row["waits"].append((at - created_at).total_seconds())
        elif trigger == "submit":
            row["submitted"] += 1
        else:
            row["handed_over"] += 1
    return {
        "hall": hall.code,
        "from": start,
        "to": end,
        "agents": [
            {
                "username": row["agent"].username,
                "name": row["agent"].name,
                "hall": row["agent"].hall.code,
                "hall_name": row["agent"].hall.name,
                "taken": row["taken"],
                "submitted": row["submitted"],
                "handed_over": row["handed_over"],
                "median_take_s": round(median(row["waits"])) if row["waits"] else None,
            }
            for row in rows.values()
        ],
    }


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = clock.hall_tz()
    return datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz)
