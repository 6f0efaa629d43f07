"""The administration console (管理后台, /admin/): halls, departments, queues, windows, staff, items,
audit."""

from flask import Blueprint, abort, make_response, render_template
from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token

bp = Blueprint(
    "admin_console",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/admin",
)


@bp.get("/")
@login_required
def index():
    if not policy.allows(current_user, "admin.console"):
        abort(403)
    response = make_response(
        render_template(
            "admin_console/admin.html",
            token=issue_token(current_user),
            user=current_user,
            everywhere=policy.acts_everywhere(current_user),
        )
    )
    # The page carries a bearer token: never keep it in a cache (nor show it again after sign-out).
    response.headers["Cache-Control"] = "no-store"
    return response
