"""The back office (后台): approvers claim, decide, suspend and hand over cases; clerks pre-review online
ones."""

from flask import Blueprint, abort, make_response, render_template
from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token

bp = Blueprint(
    "backoffice",
    __name__,
    url_prefix="/backoffice",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/backoffice",
)

# The list's tabs; who sees them is the policy's "backoffice.pre_review" and "backoffice.approval".
APPROVAL_TABS = ("claimable", "mine", "decided", "all")


def tabs_for(user) -> list[str]:
    """List the tabs of the back office the user works in, in the order they are shown."""
    tabs = ["pre_review"] if policy.allows(user, "backoffice.pre_review") else []
    if policy.allows(user, "backoffice.approval"):
        tabs += APPROVAL_TABS
    return tabs


@bp.get("/")
@login_required
def index():
    # The index links every screen with hall_code=…; the back office works on the user's own
    # department and hall, so that argument is ignored.
    tabs = tabs_for(current_user)
    if not tabs:
        abort(403)
    pre_review_only = tabs == ["pre_review"]
    response = make_response(
        render_template(
            "backoffice/backoffice.html",
            token=issue_token(current_user),
            user=current_user,
            tabs=tabs,
            pre_review_only=pre_review_only,
            screen_name="网上预审" if pre_review_only else "后台分类审批",
        )
    )
    # The page carries a bearer token: never keep it in a cache (nor show it again after sign-out).
    response.headers["Cache-Control"] = "no-store"
    return response
