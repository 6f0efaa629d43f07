"""Cases: intake, transitions through the case machine, lists, documents and public progress."""

from flask import Blueprint, Response, current_app, request

from queue_server.accounts.auth import acting_user, staff_required
from queue_server.accounts.policy import require
from queue_server.cases.intake import open_case
from queue_server.cases.queries import approvers_of, case_document, case_view, list_cases, public_progress
from queue_server.cases.transitions import get_case, transition_case
from queue_server.extensions import db, limiter
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
@staff_required()
def create_case():
    req = parse_body(CaseRequest)
    case = open_case(req, acting_user())
    answer = case_view(case, acting_user())
    db.session.commit()
    return answer, 201


@bp.get("/cases")
@staff_required()
def cases_list():
    return list_cases(parse_query(CaseListQuery), acting_user())


@bp.get("/cases/<case_no>")
@staff_required()
def show_case(case_no: str):
    case = get_case(case_no)
    require(acting_user(), "case.read", case=case)
    return case_view(case, acting_user())


@bp.post("/cases/<case_no>/transitions")
@staff_required()
def fire_case_trigger(case_no: str):
    case = get_case(case_no, for_update=True)  # two approvers claiming at once: the second waits, then loses
    req = parse_body(TransitionRequest)
    transition_case(case, req, acting_user())
    answer = case_view(case, acting_user())
    db.session.commit()
    return answer


@bp.get("/cases/<case_no>/documents/<kind>")
@staff_required()
def case_document_pdf(case_no: str, kind: str):
    case = get_case(case_no)
    require(acting_user(), "case.read", case=case)
    pdf = case_document(case, kind)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{case.case_no}-{kind}.pdf"',
                             "Cache-Control": "no-store"})


@bp.get("/departments/<code>/approvers")
@staff_required()
def department_approvers(code: str):
    return approvers_of(code, acting_user())


def _wrong_guess(response) -> bool:
    return response.status_code == 404


@bp.get("/public/cases/<case_no>")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PROGRESS_GUESSES"],
               key_func=lambda: f"{request.remote_addr}:{request.view_args.get('case_no')}",
               deduct_when=_wrong_guess)
def case_progress(case_no: str):
    query = parse_query(ProgressQuery)
    return public_progress(case_no, query.phone)
