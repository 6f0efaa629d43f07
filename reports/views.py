"""Report pages: signed-in supervisors; each page carries a bearer token and reads the API."""

from flask import redirect, request, url_for
from flask_login import current_user, login_required

from queue_server.accounts.auth import issue_token
from queue_server.calendar import clock
from queue_server.extensions import db
from queue_server.queue.halls import get_hall
from queue_server.queue.models import Hall
from queue_server.screens import require, uncached_page
from reports import bp

PAGES = {"monthly": "月度五办报表", "rectifications": "差评整改", "staffing": "窗口配置测算"}


def _hall() -> Hall:
    """The hall asked for (hall_code=…), else the user's own, else the first."""
    code = request.args.get("hall_code")
    if code:
        return get_hall(code)
    return current_user.hall or db.session.scalar(db.select(Hall).order_by(Hall.id))


def _page(page: str, **extra):
    hall = _hall()
    require("hall.supervise", hall_id=hall.id)
    page_config = {
        "hall": hall.code,
        "hall_name": hall.name,
        "token": issue_token(current_user),
        "api": url_for("api.openapi.openapi_spec").rsplit("/", 1)[0],
        "today": clock.today().isoformat(),
        "tz": clock.hall_tz().key,
        **extra,
    }
    return uncached_page(
        f"reports/{page}.html", hall=hall, page=page, pages=PAGES, user=current_user, page_config=page_config
    )


@bp.get("/")
@login_required
def index():
    return redirect(url_for("reports.monthly", **request.args))


@bp.get("/monthly")
@login_required
def monthly():
    hall = _hall()
    # 三级联动: a hall with halls below it reports for itself or, with include=children, its whole branch.
    child = db.session.scalar(db.select(Hall.id).where(Hall.parent_id == hall.id).limit(1))
    return _page(
        "monthly",
        month=request.args.get("month") or clock.today().strftime("%Y-%m"),
        has_children=child is not None,
        include=request.args.get("include") == "children",
    )


@bp.get("/rectifications")
@login_required
def rectifications():
    return _page("rectifications")


@bp.get("/staffing")
@login_required
def staffing():
    hall = _hall()
    return _page("staffing", queues=[{"code": q.code, "name": q.name} for q in hall.queues])
