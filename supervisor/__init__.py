"""The supervisor screen (监督中心): waits, windows, today's figures, time-limit alerts, bad ratings, live."""

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token
from queue_server.calendar import clock
from queue_server.extensions import db
from queue_server.queue import tree
from queue_server.queue.models import Hall

bp = Blueprint(
    "supervisor",
    __name__,
    url_prefix="/supervisor",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/supervisor",
)


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
    if not policy.allows(current_user, "hall.supervise", hall_id=hall.id):
        abort(403)
    page_config = {
        "token": issue_token(current_user),
        "tz": current_app.config["TZ_NAME"],
        "hall": hall.code,
        "halls": _watched_halls(),
        "today": clock.today().isoformat(),
        "login_url": url_for("web.login", next=request.full_path),
    }
    response = make_response(
        render_template(
            "supervisor/supervisor.html",
            hall=hall,
            user=current_user,
            page_config=page_config,
        )
    )
    # The page carries a bearer token: never keep it in a cache (nor show it again after sign-out).
    response.headers["Cache-Control"] = "no-store"
    return response
