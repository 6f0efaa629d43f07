"""Supervision: the supervisor screen's snapshot of a hall and its time-limit alerts."""

from ..auth import acting_user, staff_required
from ..halls import get_hall
from ..monitor import hall_monitor, recent_alerts
from ..policy import require
from ..schemas import AlertListQuery, parse_query
from . import bp


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
