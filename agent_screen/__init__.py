"""The agent screen (代办工作台, /agent/): a hall's agents take requests, visit, submit and hand over."""

from flask import abort, current_app, request, url_for
from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token
from queue_server.cases.agent_models import VISIT_REASONS
from queue_server.cases.agents import halls_served
from queue_server.screens import require, screen_blueprint, uncached_page

bp = screen_blueprint(__name__, "/agent")


@bp.get("/")
@login_required
def index():
    require("agent.screen")
    # The index links every screen with hall_code=…; agents work in their own hall, so it is ignored.
    hall = current_user.hall
    if hall is None:
        abort(403)
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
    return uncached_page("agent_screen/agent.html", hall=hall, user=current_user, page_config=page_config)
