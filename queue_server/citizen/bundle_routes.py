"""主题式 一件事: a bundle's plan for an applicant's answers (智能导办), its 一张图 and printable guide."""

from flask import Blueprint, Response

from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply
from queue_server.citizen.answers import PlanOut
from queue_server.citizen.bundle_flow import flow_layout, parse_answers, render_svg
from queue_server.citizen.bundle_guide import render_bundle_guide
from queue_server.citizen.bundles import plan
from queue_server.citizen.schemas import FlowQuery, PlanRequest
from queue_server.validation import parse_body, parse_query

bp = Blueprint("bundles", __name__)

SVG = {
    "description": "SVG",
    "content": {"image/svg+xml": {"schema": {"type": "string"}}},
}


@bp.post("/services/<code>/plan")
@operation(
    body=PlanRequest, body_required=False, limit="RATELIMIT_PUBLIC", answers={200: PlanOut, 404: Error}
)
def bundle_plan(code: str):
    """一件事导办：所需子项、先后顺序与材料清单 The plan of a bundle"""
    req = parse_body(PlanRequest)
    return reply(PlanOut, plan(code, req.answers))


@bp.get("/services/<code>/flow.svg")
@operation(query=FlowQuery, limit="RATELIMIT_PUBLIC", answers={200: SVG, 404: Error})
def bundle_flow(code: str):
    """一件事一张图（SVG，按办理规则生成） The flow of a bundle"""
    answers = parse_answers(parse_query(FlowQuery).answers)
    svg = render_svg(flow_layout(code, answers))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-cache"})


@bp.get("/services/<code>/guide.pdf")
@operation(query=FlowQuery, limit="RATELIMIT_PUBLIC", answers={200: "pdf", 404: Error})
def bundle_guide(code: str):
    """一件事办事指南 PDF（一张图、办理步骤、材料清单） The printable guide of a bundle"""
    answers = parse_answers(parse_query(FlowQuery).answers)
    layout = flow_layout(code, answers)
    pdf = render_bundle_guide(layout, plan(code, answers), answered=answers is not None)
    headers = {"Content-Disposition": f'inline; filename="{code}-guide.pdf"', "Cache-Control": "no-cache"}
    return Response(pdf, mimetype="application/pdf", headers=headers)
