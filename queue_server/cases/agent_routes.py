"""代理办 and 上门办理: a citizen asks a hall's agents; agents book visits; supervisors see the roster."""

from flask import Blueprint

from queue_server.accounts.auth import acting_user
from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply
from queue_server.cases.agent_answers import AgentRequestCreatedOut, AgentStatsOut, RosterEntry
from queue_server.cases.agent_schemas import AgentRequestBody, AgentStatsQuery, VisitBody
from queue_server.cases.agents import agent_figures, book_visit, request_agent, roster
from queue_server.cases.answers import CaseOut, seen_by
from queue_server.cases.transitions import get_case
from queue_server.queue.halls import get_hall
from queue_server.schemas import parse_body, parse_query

bp = Blueprint("agents", __name__)


@bp.post("/public/agent-requests")
@operation(
    body=AgentRequestBody,
    limit=("RATELIMIT_PUBLIC", "RATELIMIT_APPLICATIONS"),
    answers={201: AgentRequestCreatedOut},
)
def create_agent_request():
    """申请代办或上门办理（代理办） Ask a hall's agents"""
    return reply(AgentRequestCreatedOut, request_agent(parse_body(AgentRequestBody)), 201)


@bp.post("/cases/<case_no>/visit")
@operation(staff=True, body=VisitBody, answers={200: CaseOut, 403: Error, 404: Error})
def visit(case_no: str):
    """预约上门（代办员） Book the agent's visit"""
    case = get_case(case_no, for_update=True)
    req = parse_body(VisitBody)
    book_visit(case, req, acting_user())
    return reply(CaseOut, case, context=seen_by(acting_user()))


@bp.get("/halls/<hall_code>/agents")
@operation(staff=True, answers={200: list[RosterEntry], 403: Error, 404: Error})
def hall_agents(hall_code: str):
    """代办员花名册 The hall's agents"""
    return reply(list[RosterEntry], roster(get_hall(hall_code), acting_user()))


@bp.get("/halls/<hall_code>/agent-stats")
@operation(staff=True, query=AgentStatsQuery, answers={200: AgentStatsOut, 403: Error, 404: Error})
def hall_agent_stats(hall_code: str):
    """代办员工作量 Figures per agent"""
    hall = get_hall(hall_code)
    return reply(AgentStatsOut, agent_figures(hall, parse_query(AgentStatsQuery), acting_user()))
