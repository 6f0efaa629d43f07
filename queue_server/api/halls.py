"""Halls, their queues and windows, and the display board snapshot."""

from flask import current_app

from queue_server.auth import acting_user, staff_required
from queue_server.board import board_snapshot
from queue_server.extensions import db, limiter
from queue_server.halls import get_hall, window_view
from queue_server.models import Hall
from queue_server.policy import require
from queue_server.tickets import queue_views
from queue_server.api import bp


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


@bp.get("/halls")
@limiter.limit(_public_limit)
def list_halls():
    halls = db.session.scalars(db.select(Hall).order_by(Hall.code))
    return [{"code": hall.code, "name": hall.name, "address": hall.address} for hall in halls]


@bp.get("/halls/<hall_code>/queues")
@limiter.limit(_public_limit)
def list_queues(hall_code: str):
    return queue_views(get_hall(hall_code))


@bp.get("/halls/<hall_code>/windows")
@staff_required()
def list_windows(hall_code: str):
    hall = get_hall(hall_code)
    require(acting_user(), "hall.staff", hall_id=hall.id)
    return [window_view(window) for window in hall.windows]


@bp.get("/halls/<hall_code>/board")
@limiter.limit(_public_limit)
def board(hall_code: str):
    return board_snapshot(get_hall(hall_code))
