"""The portal's 办结公示 page: a hall's cases accepted and decided per day, and its promise figures."""

from flask import redirect, url_for

from portal import bp
from portal.online import PLACEHOLDER, _page
from queue_server.extensions import db
from queue_server.queue.models import Hall


@bp.get("/portal/publicity/")
def publicity_default():
    """Open the 公示 of the first hall of the installation (the district hall of the demo)."""
    code = db.session.scalar(db.select(Hall.code).order_by(Hall.id).limit(1))
    return redirect(url_for("portal.publicity", hall_code=code or "xiqu"))


@bp.get("/portal/publicity/<hall_code>")
def publicity(hall_code: str):
    """A hall's 办结公示: pick a day; the page reads GET /api/v1/halls/<hall>/publicity."""
    return _page(
        "portal/publicity.html",
        hall=hall_code,
        publicity_api=url_for("api.supervision.hall_publicity_page", hall_code=PLACEHOLDER),
    )
