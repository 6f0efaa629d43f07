"""Cases: intake, transitions through the case machine, lists, documents and public progress."""

from flask import Blueprint, Response, request

from queue_server.accounts.auth import acting_user
from queue_server.accounts.policy import require
from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply, wrong_guesses
from queue_server.cases.answers import CaseListOut, CaseOut, Person, ProgressOut, seen_by
from queue_server.cases.intake import open_case
from queue_server.cases.queries import approvers_of, case_document, case_for_applicant, list_cases
from queue_server.cases.transitions import get_case, transition_case
from queue_server.schemas import (
    CaseListQuery,
    CaseRequest,
    ProgressQuery,
    TransitionRequest,
    parse_body,
    parse_query,
)

bp = Blueprint("cases", __name__)


@bp.post("/cases")
@operation(staff=True, body=CaseRequest, answers={201: CaseOut, 403: Error})
def create_case():
    """登记办件（前台综合受理） Open a case"""
    req = parse_body(CaseRequest)
    case = open_case(req, acting_user())
    return reply(CaseOut, case, 201, context=seen_by(acting_user()))


@bp.get("/cases")
@operation(staff=True, query=CaseListQuery, answers={200: CaseListOut, 403: Error})
def cases_list():
    """办件列表 Cases"""
    cases = list_cases(parse_query(CaseListQuery), acting_user())
    return reply(CaseListOut, cases, context=seen_by(acting_user()))


@bp.get("/cases/<case_no>")
@operation(staff=True, answers={200: CaseOut, 403: Error, 404: Error})
def show_case(case_no: str):
    """办件详情 Case"""
    case = get_case(case_no)
    require(acting_user(), "case.read", case=case)
    return reply(CaseOut, case, context=seen_by(acting_user()))


@bp.post("/cases/<case_no>/transitions")
@operation(staff=True, body=TransitionRequest, answers={200: CaseOut, 403: Error, 404: Error})
def fire_case_trigger(case_no: str):
    """办件操作（受理、审批、出件…） Fire a case trigger"""
    case = get_case(case_no, for_update=True)  # two approvers claiming at once: the second waits, then loses
    req = parse_body(TransitionRequest)
    transition_case(case, req, acting_user())
    return reply(CaseOut, case, context=seen_by(acting_user()))


@bp.get("/cases/<case_no>/documents/<kind>")
@operation(staff=True, answers={200: "pdf", 403: Error, 404: Error})
def case_document_pdf(case_no: str, kind: str):
    """办件文书 PDF（受理、容缺受理、一次性告知、不予受理、办结通知书） Case document"""
    case = get_case(case_no)
    require(acting_user(), "case.read", case=case)
    pdf = case_document(case, kind)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{case.case_no}-{kind}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/departments/<code>/approvers")
@operation(staff=True, answers={200: list[Person], 403: Error, 404: Error})
def department_approvers(code: str):
    """部门审批人员 Approvers of a department"""
    return reply(list[Person], approvers_of(code, acting_user()))


@bp.get("/public/cases/<case_no>")
@operation(query=ProgressQuery, limit="RATELIMIT_PUBLIC", answers={200: ProgressOut, 404: Error})
@wrong_guesses(
    "RATELIMIT_PROGRESS_GUESSES", lambda: f"{request.remote_addr}:{request.view_args.get('case_no')}"
)
def case_progress(case_no: str):
    """办件进度查询（凭手机号） Public progress"""
    query = parse_query(ProgressQuery)
    return reply(ProgressOut, case_for_applicant(case_no, query.phone))
