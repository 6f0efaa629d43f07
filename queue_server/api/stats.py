"""五办 figures of a hall (JSON, CSV, XLSX) and the staffing what-if of a queue."""

from flask import Response

from queue_server.auth import acting_user, staff_required
from queue_server.estimates import staffing
from queue_server.errors import NotFound
from queue_server.extensions import db
from queue_server.halls import get_hall
from queue_server.models import Queue
from queue_server.schemas import StaffingQuery, StatsQuery, parse_query
from queue_server.policy import require
from queue_server.stats import export_name, hall_figures, to_csv, to_xlsx
from queue_server.api import bp

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
