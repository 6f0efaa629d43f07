"""The window clerk's screen (窗口工作台): call and serve tickets, take in cases, hand out results."""

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from queue_server.accounts.auth import issue_token
from queue_server.queue.halls import get_hall, get_window
from queue_server.screens import require, screen_blueprint, uncached_page

bp = screen_blueprint(__name__)

# The queue of the unified pickup window (统一出件): its screen shows 取件 as a main action.
PICKUP_QUEUE = "tycj"


@bp.get("/windows/<hall_code>")
@login_required
def choose_window(hall_code: str):
    hall = get_hall(hall_code)
    require("hall.staff", hall_id=hall.id)
    return render_template("window_client/choose.html", hall=hall, windows=hall.windows)


@bp.get("/window/<int:window_id>")
@login_required
def window_screen(window_id: int):
    window = get_window(window_id)
    require("window.operate", hall_id=window.hall_id)
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
    return uncached_page(
        "window_client/window.html",
        window=window,
        hall=window.hall,
        user=current_user,
        is_pickup_window=is_pickup_window,
        page_config=page_config,
    )


@bp.get("/window/")
@login_required
def my_windows():
    if current_user.hall is None:
        return redirect(url_for("web.index"))
    return redirect(url_for("window_client.choose_window", hall_code=current_user.hall.code))
