"""The window clerk's screen (窗口工作台): call and serve tickets, take in cases, hand out results."""

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token
from queue_server.queue.halls import get_hall, get_window

bp = Blueprint(
    "window_client",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/window_client",
)

# The queue of the unified pickup window (统一出件): its screen shows 取件 as a main action.
PICKUP_QUEUE = "tycj"


def _require(capability: str, hall_id: int) -> None:
    """Refuse (403) a user who may not do this in the hall."""
    if not policy.allows(current_user, capability, hall_id=hall_id):
        abort(403)


@bp.get("/windows/<hall_code>")
@login_required
def choose_window(hall_code: str):
    hall = get_hall(hall_code)
    _require("hall.staff", hall.id)
    return render_template("window_client/choose.html", hall=hall, windows=hall.windows)


@bp.get("/window/<int:window_id>")
@login_required
def window_screen(window_id: int):
    window = get_window(window_id)
    _require("window.operate", window.hall_id)
    is_pickup_window = any(queue.code == PICKUP_QUEUE for queue in window.queues)
    page_config = {
        "window_id": window.id,
        "window_number": window.number,
        "hall": window.hall.code,
        "tz": current_app.config["TZ_NAME"],
        "token": issue_token(current_user),
        "login_url": url_for("web.login", next=request.path),
        "pickup_window": is_pickup_window,
    }
    response = make_response(
        render_template(
            "window_client/window.html",
            window=window,
            hall=window.hall,
            user=current_user,
            is_pickup_window=is_pickup_window,
            page_config=page_config,
        )
    )
    # The page carries a bearer token: never keep it in a cache (nor show it again after sign-out).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/window/")
@login_required
def my_windows():
    if current_user.hall is None:
        return redirect(url_for("web.index"))
    return redirect(url_for("window_client.choose_window", hall_code=current_user.hall.code))
