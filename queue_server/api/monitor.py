"""Supervision: the supervisor screen's snapshot of a hall and its time-limit alerts."""

from queue_server.auth import acting_user, staff_required
from queue_server.halls import get_hall
from queue_server.monitor import hall_monitor, recent_alerts
from queue_server.policy import require
from queue_server.schemas import AlertListQuery, parse_query
from queue_server.api import bp


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
