"""The consultants' screen (在线咨询): the open questions, live, answered by SMS, and the figures."""

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token

bp = Blueprint(
    "consult",
    __name__,
    url_prefix="/consult",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/consult",
)


@bp.get("/")
@login_required
def index():
    """The queue of open questions for a consultant (an administrator may answer too)."""
    if not policy.allows(current_user, "consultation.answer"):
        abort(403)
    page_config = {
        "token": issue_token(current_user),
        "tz": current_app.config["TZ_NAME"],
        "login_url": url_for("web.login", next=request.full_path),
        "guide_page": url_for("portal.guide", code="__code__"),
    }
    response = make_response(
        render_template("consult/consult.html", user=current_user, page_config=page_config)
    )
    # The page carries a bearer token: never keep it in a cache (nor show it again after sign-out).
    response.headers["Cache-Control"] = "no-store"
    return response
