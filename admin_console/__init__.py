"""The administration console (管理后台, /admin/): halls, departments, queues, windows, staff, items,
audit."""

from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token
from queue_server.screens import require, screen_blueprint, uncached_page

bp = screen_blueprint(__name__, "/admin")


@bp.get("/")
@login_required
def index():
    require("admin.console")
    return uncached_page(
        "admin_console/admin.html",
        token=issue_token(current_user),
        user=current_user,
        everywhere=policy.acts_everywhere(current_user),
    )
