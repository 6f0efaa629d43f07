"""The hall's display board (叫号大屏): latest calls, waiting counts, spoken announcements."""

from flask import current_app, render_template, request

from queue_server.queue.halls import get_hall
from queue_server.screens import screen_blueprint

bp = screen_blueprint(__name__)

LAYOUTS = ("landscape", "portrait")


@bp.get("/board/<hall_code>")
def board(hall_code: str):
    hall = get_hall(hall_code)
    layout = "portrait" if request.args.get("layout") == "portrait" else "landscape"
    return render_template(
        "display_board/board.html",
        hall=hall,
        layout=layout,
        time_zone=current_app.config.get("TZ_NAME", "Asia/Shanghai"),
    )
