"""Supervision: the supervisor screen's snapshot of a hall and its time-limit alerts.

好差评: citizens rate a finished ticket or a delivered case; supervisors follow up bad ratings.

五办 figures of a hall (JSON, CSV, XLSX) and the staffing what-if of a queue.
"""

from flask import Blueprint, Response

from queue_server.accounts.auth import acting_user
from queue_server.accounts.policy import require
from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply
from queue_server.errors import NotFound
from queue_server.extensions import db
from queue_server.queue.estimates import staffing
from queue_server.queue.halls import get_hall
from queue_server.queue.models import Queue
from queue_server.supervision.answers import AlertOut, RatingOut, RectificationListOut, RectificationOut
from queue_server.supervision.monitor import hall_monitor, recent_alerts
from queue_server.supervision.monitor_answers import MonitorOut
from queue_server.supervision.publicity import hall_publicity
from queue_server.supervision.publicity_answers import PublicityOut
from queue_server.supervision.ratings import (
    assign,
    close,
    follow_up,
    get_rectification,
    list_rectifications,
    rate,
)
from queue_server.supervision.schemas import (
    AlertListQuery,
    AssignRequest,
    CloseRequest,
    FollowUpRequest,
    PublicityQuery,
    RatingRequest,
    RectificationListQuery,
    StaffingQuery,
    StatsQuery,
)
from queue_server.supervision.stats import export_name, hall_figures, to_csv, to_xlsx
from queue_server.supervision.stats_answers import STATS_FILE, XLSX, StaffingOut, StatsOut
from queue_server.validation import parse_body, parse_query

bp = Blueprint("supervision", __name__)

STAFF_ERRORS = {401: Error, 403: Error, 404: Error}
STEP_ERRORS = {400: Error, **STAFF_ERRORS, 409: Error}


@bp.get("/halls/<hall_code>/monitor")
@operation(staff=True, answers={200: MonitorOut, **STAFF_ERRORS})
def monitor(hall_code: str):
    """监督大屏快照：队列、窗口、今日数据、黄红灯办件、预警、差评、图表 Supervisor snapshot"""
    hall = get_hall(hall_code)
    require(acting_user(), "hall.supervise", hall_id=hall.id)
    return reply(MonitorOut, hall_monitor(hall))


@bp.get("/halls/<hall_code>/alerts")
@operation(staff=True, query=AlertListQuery, answers={200: list[AlertOut], **STAFF_ERRORS})
def alerts(hall_code: str):
    """限时办结预警（转黄灯、红灯），最新在前 Time-limit alerts"""
    hall = get_hall(hall_code)
    require(acting_user(), "hall.supervise", hall_id=hall.id)
    return reply(list[AlertOut], recent_alerts(hall, parse_query(AlertListQuery).limit))


@bp.post("/ratings")
@operation(body=RatingRequest, limit="RATELIMIT_PUBLIC", answers={201: RatingOut})
def create_rating():
    """好差评：评价已办结的号票或已送达的办件 Rate a ticket or a case"""
    return reply(RatingOut, rate(parse_body(RatingRequest)), 201)


@bp.get("/rectifications")
@operation(staff=True, query=RectificationListQuery, answers={200: RectificationListOut, **STAFF_ERRORS})
def rectifications_list():
    """差评整改事项 Rectification items"""
    page = list_rectifications(parse_query(RectificationListQuery), acting_user())
    return reply(RectificationListOut, page)


@bp.get("/rectifications/<int:rectification_id>")
@operation(staff=True, answers={200: RectificationOut, **STAFF_ERRORS})
def show_rectification(rectification_id: int):
    """差评整改事项详情 Rectification item"""
    item = get_rectification(rectification_id)
    require(acting_user(), "hall.supervise", hall_id=item.rating.hall_id)
    return reply(RectificationOut, item)


@bp.post("/rectifications/<int:rectification_id>/assign")
@operation(staff=True, body=AssignRequest, answers={200: RectificationOut, **STEP_ERRORS})
def assign_rectification(rectification_id: int):
    """分派整改责任人 Assign"""
    item = get_rectification(rectification_id, for_update=True)
    return reply(RectificationOut, assign(item, parse_body(AssignRequest), acting_user()))


@bp.post("/rectifications/<int:rectification_id>/follow-up")
@operation(staff=True, body=FollowUpRequest, answers={200: RectificationOut, **STEP_ERRORS})
def follow_up_rectification(rectification_id: int):
    """督办跟进记录 Follow-up note"""
    item = get_rectification(rectification_id, for_update=True)
    return reply(RectificationOut, follow_up(item, parse_body(FollowUpRequest), acting_user()))


@bp.post("/rectifications/<int:rectification_id>/close")
@operation(staff=True, body=CloseRequest, answers={200: RectificationOut, **STEP_ERRORS})
def close_rectification(rectification_id: int):
    """整改办结 Close with what was done"""
    item = get_rectification(rectification_id, for_update=True)
    return reply(RectificationOut, close(item, parse_body(CloseRequest), acting_user()))


@bp.get("/halls/<hall_code>/stats")
@operation(staff=True, query=StatsQuery, answers={200: STATS_FILE, **STAFF_ERRORS})
def hall_stats(hall_code: str):
    """五办统计（可按模式、队列、窗口、人员、部门分组；可导出 CSV、XLSX） Figures"""
    query = parse_query(StatsQuery)
    figures = hall_figures(get_hall(hall_code), query, acting_user())
    if query.format == "json":
        return reply(StatsOut, figures)
    answer = StatsOut.model_validate(figures).model_dump(mode="json")
    if query.format == "csv":
        body, mimetype = to_csv(answer), "text/csv; charset=utf-8"
    else:
        body, mimetype = to_xlsx(answer), XLSX
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{export_name(answer, query.format)}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/halls/<hall_code>/queues/<queue_code>/staffing")
@operation(staff=True, query=StaffingQuery, answers={200: StaffingOut, **STAFF_ERRORS})
def queue_staffing(hall_code: str, queue_code: str):
    """窗口配置测算（Erlang C） Windows needed by hour"""
    hall = get_hall(hall_code)
    queue = db.session.scalar(db.select(Queue).where(Queue.hall_id == hall.id, Queue.code == queue_code))
    if queue is None:
        raise NotFound(f"本大厅没有该队列：{queue_code}", {"queue": queue_code})
    require(acting_user(), "hall.supervise", hall_id=hall.id)
    query = parse_query(StaffingQuery)
    return reply(StaffingOut, staffing(hall, queue, query.target_s, query.percentile, query.days))


@bp.get("/halls/<hall_code>/publicity")
@operation(query=PublicityQuery, limit="RATELIMIT_PUBLIC", answers={200: PublicityOut, 404: Error})
def hall_publicity_page(hall_code: str):
    """办结公示：当日受理与办结（按事项，申请人脱敏）及本月承诺践诺数据 The hall's public record of a day"""
    hall = get_hall(hall_code)
    return reply(PublicityOut, hall_publicity(hall, parse_query(PublicityQuery).day))
