"""The back office (后台): approvers claim, decide, suspend and hand over cases; clerks pre-review online
ones."""

from flask import abort
from flask_login import current_user, login_required

from queue_server.accounts import policy
from queue_server.accounts.auth import issue_token
from queue_server.screens import screen_blueprint, uncached_page

bp = screen_blueprint(__name__, "/backoffice")

# The list's tabs; who sees them is the policy's "backoffice.pre_review" and "backoffice.approval".
APPROVAL_TABS = ("claimable", "mine", "decided", "all")


def tabs_for(user) -> list[str]:
    """List the tabs of the back office the user works in, in the order they are shown."""
    tabs = ["pre_review"] if policy.allows(user, "backoffice.pre_review") else []
    if policy.allows(user, "backoffice.approval"):
        tabs += APPROVAL_TABS
    # 案卷流转 (流转单): the clerks of a hall send and receive the paper files of its cases.
    if user.hall_id is not None and policy.allows(user, "case.transfer", hall_id=user.hall_id):
        tabs.append("transfers")
    return tabs


def screen_name(tabs: list[str], pre_review_only: bool) -> str:
    """Name the screen after what the user does in it."""
    if not pre_review_only:
        return "后台分类审批"
    return "网上预审 · 案卷流转" if "transfers" in tabs else "网上预审"


@bp.get("/")
@login_required
def index():
    # The index links every screen with hall_code=…; the back office works on the user's own
    # department and hall, so that argument is ignored.
    tabs = tabs_for(current_user)
    if not tabs:
        abort(403)
    pre_review_only = "pre_review" in tabs and not policy.allows(current_user, "backoffice.approval")
    return uncached_page(
        "backoffice/backoffice.html",
        token=issue_token(current_user),
        user=current_user,
        tabs=tabs,
        pre_review_only=pre_review_only,
        screen_name=screen_name(tabs, pre_review_only),
    )
