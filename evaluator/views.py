"""Evaluator pages: pick a window, then the screen that faces the citizen at it.

Public, like the kiosk: the screen follows its hall's ticket_updated notices, and POST /ratings only
accepts, from it, the ticket its window finished last.
"""

from flask import current_app, render_template, request, url_for

from evaluator import bp
from queue_server.queue.answers import WindowOut
from queue_server.queue.halls import get_hall, get_window

# The reasons offered after a bad grade (1 or 2), as every rating screen offers them (BAD_REASONS of
# queue_server/static/js/labels.js, which the screens use); the one chosen heads the comment: 【等候时间长】.
BAD_REASONS = ["办事指南不清", "等候时间长", "服务态度差", "多次跑动", "其他"]


@bp.get("/")
def choose_window():
    hall = get_hall(request.args.get("hall_code", "xiqu"))
    return render_template("evaluator/choose.html", hall=hall)


@bp.get("/<int:window_id>")
def evaluate(window_id: int):
    window = get_window(window_id)
    page_config = {
        "hall": window.hall.code,
        "window_id": window.id,
        "window_number": window.number,
        # Who staffs the window now (name, 工号, photo time); window_updated notices keep it current.
        "window": WindowOut.model_validate(window).model_dump(mode="json"),
        "clerk_photo": url_for("api.staff_photos.window_clerk_photo", window_id=window.id),
        "tz": current_app.config["TZ_NAME"],
        "ratings": url_for("api.supervision.create_rating"),
        "bad_reasons": BAD_REASONS,
        "idle_after_s": 60,
        "thanks_s": 6,
    }
    return render_template(
        "evaluator/evaluate.html", window=window, hall=window.hall, page_config=page_config
    )
