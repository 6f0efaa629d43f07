"""The consultants' screen (在线咨询): the open questions, live, answered by SMS, and the figures."""

from flask import current_app, request, url_for
from flask_login import current_user, login_required

from queue_server.accounts.auth import issue_token
from queue_server.screens import require, screen_blueprint, uncached_page

bp = screen_blueprint(__name__, "/consult")


@bp.get("/")
@login_required
def index():
    """The queue of open questions for a consultant (an administrator may answer too)."""
    require("consultation.answer")
    page_config = {
        "token": issue_token(current_user),
        "tz": current_app.config["TZ_NAME"],
        "login_url": url_for("web.login", next=request.full_path),
        "guide_page": url_for("portal.guide", code="__code__"),
    }
    return uncached_page("consult/consult.html", user=current_user, page_config=page_config)
