"""在线咨询 API: citizens ask about an item (public), consultants list and answer; the FAQ; figures."""

from flask import Blueprint

from queue_server.accounts.auth import acting_user
from queue_server.accounts.policy import require
from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply
from queue_server.citizen.consultation_answers import (
    ConsultationFiguresOut,
    ConsultationListOut,
    ConsultationOut,
    FaqOut,
)
from queue_server.citizen.consultations import (
    answer,
    ask,
    consultation_figures,
    faq_of,
    get_consultation,
    open_consultations,
)
from queue_server.citizen.schemas import (
    ConsultationAnswerRequest,
    ConsultationFiguresQuery,
    ConsultationListQuery,
    ConsultationRequest,
)
from queue_server.validation import parse_body, parse_query

bp = Blueprint("consultations", __name__)


@bp.post("/services/<code>/consultations")
@operation(body=ConsultationRequest, limit="RATELIMIT_PUBLIC", answers={201: ConsultationOut, 404: Error})
def ask_question(code: str):
    """在线咨询：就事项或主题式服务提问 Ask about an item"""
    return reply(ConsultationOut, ask(code, parse_body(ConsultationRequest)), 201)


@bp.get("/services/<code>/faq")
@operation(limit="RATELIMIT_PUBLIC", answers={200: list[FaqOut], 404: Error})
def service_faq(code: str):
    """事项常见问题（公开的咨询答复） FAQ of an item"""
    return reply(list[FaqOut], faq_of(code))


@bp.get("/consultations")
@operation(staff=True, query=ConsultationListQuery, answers={200: ConsultationListOut, 403: Error})
def list_consultations():
    """在线咨询列表（待答复 / 已答复） Questions"""
    items, total = open_consultations(parse_query(ConsultationListQuery), acting_user())
    return reply(ConsultationListOut, {"items": items, "total": total})


@bp.post("/consultations/<int:consultation_id>/answer")
@operation(staff=True, body=ConsultationAnswerRequest, answers={200: ConsultationOut, 403: Error, 404: Error})
def answer_consultation(consultation_id: int):
    """答复在线咨询（短信发送，可公开为常见问题） Answer a question"""
    req = parse_body(ConsultationAnswerRequest)
    require(acting_user(), "consultation.answer")  # a role's rule, whatever the question: 403 before 404
    row = get_consultation(consultation_id, for_update=True)
    return reply(ConsultationOut, answer(row, req, acting_user()))


@bp.get("/consultations/figures")
@operation(staff=True, query=ConsultationFiguresQuery, answers={200: ConsultationFiguresOut, 403: Error})
def consultation_stats():
    """在线咨询统计：咨询量、答复量、答复用时 Consultation figures"""
    query = parse_query(ConsultationFiguresQuery)
    return reply(ConsultationFiguresOut, consultation_figures(query.from_, query.to, acting_user()))
