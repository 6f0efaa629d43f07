"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, collected from the routes' own declarations.

``queue_server/api/spec.py`` builds it from the application's URL map and the answer models each
route declares with ``@operation``; it is built once per application and kept.
"""

from flask import Blueprint, current_app

from queue_server.api.spec import build_spec, operation

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
@operation(
    answers={
        200: {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}
    }
)
def openapi_spec():
    """本接口说明 This document"""
    spec = current_app.extensions.get("wuban_openapi")
    if spec is None:
        spec = current_app.extensions["wuban_openapi"] = build_spec(current_app)
    return spec
