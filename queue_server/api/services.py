"""The public item list and each item's guide."""

from flask import current_app

from queue_server.extensions import limiter
from queue_server.schemas import ServiceQuery, parse_query
from queue_server.services import find_services, get_service, service_view
from queue_server.api import bp


@bp.get("/services")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def list_services():
    query = parse_query(ServiceQuery)
    return [service_view(item) for item in find_services(query.mode, query.department, query.q)]


@bp.get("/services/<code>")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def show_service(code: str):
    return service_view(get_service(code), with_guide=True)
