"""The agent screen (代办工作台, /agent/): a hall's agents take requests, visit, submit and hand over."""

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token
from queue_server.cases.agent_models import VISIT_REASONS
from queue_server.cases.agents import halls_served

bp = Blueprint(
    "agent_screen",
    __name__,
    url_prefix="/agent",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/agent_screen",
)


@bp.get("/")
@login_required
def index():
    # The index links every screen with hall_code=…; agents work in their own hall, so it is ignored.
    if not policy.allows(current_user, "agent.screen") or current_user.hall is None:
        abort(403)
    hall = current_user.hall
    supervises = policy.allows(current_user, "hall.supervise", hall_id=hall.id)
    page_config = {
        "token": issue_token(current_user),
        "tz": current_app.config["TZ_NAME"],
        "hall": hall.code,
        "halls": [h.code for h in halls_served(hall)] if supervises else [hall.code],
        "username": current_user.username,
        "agent": current_user.has_role("agent") and "admin" not in current_user.roles,
        "supervises": supervises,
        "reasons": VISIT_REASONS,
        "login_url": url_for("web.login", next=request.full_path),
    }
    response = make_response(
        render_template("agent_screen/agent.html", hall=hall, user=current_user, page_config=page_config)
    )
    # The page carries a bearer token: never keep it in a cache (nor show it again after sign-out).
    response.headers["Cache-Control"] = "no-store"
    return response
