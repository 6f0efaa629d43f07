"""The supervisor screen (监督中心): waits, windows, today's figures, time-limit alerts, bad ratings, live."""

from flask import abort, current_app, request, url_for
from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token
from queue_server.calendar import clock
from queue_server.extensions import db
from queue_server.queue import tree
from queue_server.queue.models import Hall
from queue_server.screens import require, screen_blueprint, uncached_page

bp = screen_blueprint(__name__, "/supervisor")


def _hall_to_watch() -> Hall:
    """The hall asked for (?hall_code=, as the index links it), else the user's own, else the first."""
    code = request.args.get("hall_code")
    if code:
        hall = db.session.scalar(db.select(Hall).where(Hall.code == code))
        if hall is None:
            abort(404)
        return hall
    if current_user.hall is not None:
        return current_user.hall
    hall = db.session.scalar(db.select(Hall).order_by(Hall.id).limit(1))
    if hall is None:
        abort(404)
    return hall


def _watched_halls() -> list[dict]:
    """The halls the user may watch, as the switcher's tree: every hall for an administrator, else the
    user's own hall and every hall below it (三级联动)."""
    halls = db.session.scalars(db.select(Hall)).all()
    if not policy.acts_everywhere(current_user):
        below = set(tree.subtree_ids(current_user.hall_id)) if current_user.hall_id else set()
        halls = [hall for hall in halls if hall.id in below]
    return [
        {
            "code": hall.code,
            "name": hall.name,
            "level": hall.level,
            "parent": hall.parent.code if hall.parent is not None else None,
        }
        for hall in tree.ordered(list(halls))
    ]


@bp.get("/")
@login_required
def index():
    hall = _hall_to_watch()
    require("hall.supervise", hall_id=hall.id)
    page_config = {
        "token": issue_token(current_user),
        "tz": current_app.config["TZ_NAME"],
        "hall": hall.code,
        "halls": _watched_halls(),
        "today": clock.today().isoformat(),
        "login_url": url_for("web.login", next=request.full_path),
    }
    return uncached_page("supervisor/supervisor.html", hall=hall, user=current_user, page_config=page_config)
