"""Supervision: the supervisor screen's snapshot of a hall and its time-limit alerts.

好差评: citizens rate a finished ticket or a delivered case; supervisors follow up bad ratings.

五办 figures of a hall (JSON, CSV, XLSX) and the staffing what-if of a queue.
"""

from flask import Blueprint, Response, current_app

from queue_server.accounts.auth import acting_user, staff_required
from queue_server.accounts.policy import require
from queue_server.errors import NotFound
from queue_server.extensions import db, limiter
from queue_server.queue.estimates import staffing
from queue_server.queue.halls import get_hall
from queue_server.queue.models import Queue
from queue_server.schemas import (
    AlertListQuery,
    AssignRequest,
    CloseRequest,
    FollowUpRequest,
    RatingRequest,
    RectificationListQuery,
    StaffingQuery,
    StatsQuery,
    parse_body,
    parse_query,
)
from queue_server.supervision.monitor import hall_monitor, recent_alerts
from queue_server.supervision.ratings import (
    assign,
    close,
    follow_up,
    get_rectification,
    list_rectifications,
    rate,
    rating_view,
    rectification_view,
)
from queue_server.supervision.stats import export_name, hall_figures, to_csv, to_xlsx

bp = Blueprint("supervision", __name__)


@bp.get("/halls/<hall_code>/monitor")
@staff_required()
def monitor(hall_code: str):
    hall = get_hall(hall_code)
    require(acting_user(), "hall.supervise", hall_id=hall.id)
    return hall_monitor(hall)


@bp.get("/halls/<hall_code>/alerts")
@staff_required()
def alerts(hall_code: str):
    hall = get_hall(hall_code)
    require(acting_user(), "hall.supervise", hall_id=hall.id)
    return recent_alerts(hall, parse_query(AlertListQuery).limit)


@bp.post("/ratings")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def create_rating():
    req = parse_body(RatingRequest)
    rating = rate(req)
    answer = rating_view(rating)
    db.session.commit()
    return answer, 201


@bp.get("/rectifications")
@staff_required()
def rectifications_list():
    return list_rectifications(parse_query(RectificationListQuery), acting_user())


@bp.get("/rectifications/<int:rectification_id>")
@staff_required()
def show_rectification(rectification_id: int):
    item = get_rectification(rectification_id)
    require(acting_user(), "hall.supervise", hall_id=item.rating.hall_id)
    return rectification_view(item)


@bp.post("/rectifications/<int:rectification_id>/assign")
@staff_required()
def assign_rectification(rectification_id: int):
    item = get_rectification(rectification_id, for_update=True)
    assign(item, parse_body(AssignRequest), acting_user())
    answer = rectification_view(item)
    db.session.commit()
    return answer


@bp.post("/rectifications/<int:rectification_id>/follow-up")
@staff_required()
def follow_up_rectification(rectification_id: int):
    item = get_rectification(rectification_id, for_update=True)
    follow_up(item, parse_body(FollowUpRequest), acting_user())
    answer = rectification_view(item)
    db.session.commit()
    return answer


@bp.post("/rectifications/<int:rectification_id>/close")
@staff_required()
def close_rectification(rectification_id: int):
    item = get_rectification(rectification_id, for_update=True)
    close(item, parse_body(CloseRequest), acting_user())
    answer = rectification_view(item)
    db.session.commit()
    return answer


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/halls/<hall_code>/stats")
@staff_required()
def hall_stats(hall_code: str):
    query = parse_query(StatsQuery)
    figures = hall_figures(get_hall(hall_code), query, acting_user())
    if query.format == "json":
        return figures
    body, mimetype = (to_csv(figures), "text/csv; charset=utf-8") if query.format == "csv" else (to_xlsx(figures), XLSX)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{export_name(figures, query.format)}"',
        "Cache-Control": "no-store",
    })


@bp.get("/halls/<hall_code>/queues/<queue_code>/staffing")
@staff_required()
def queue_staffing(hall_code: str, queue_code: str):
    hall = get_hall(hall_code)
    queue = db.session.scalar(db.select(Queue).where(Queue.hall_id == hall.id, Queue.code == queue_code))
    if queue is None:
        raise NotFound(f"本大厅没有该队列：{queue_code}", {"queue": queue_code})
    require(acting_user(), "hall.supervise", hall_id=hall.id)
    query = parse_query(StaffingQuery)
    return staffing(hall, queue, query.target_s, query.percentile, query.days)
