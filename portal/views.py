"""Portal pages: the applicant follows a case with its number and the phone number given at intake.

The pages themselves read nothing from the database: whether a case exists is only told to someone
who knows its phone number, by the rate-limited public API the page calls. The one exception is the
address the rating SMS carries (``?k=``, the case's progress token: queue_server/notify/rating_links.py):
it stands for the phone the message went to, which the page is then given so that it opens the case and
its rating box without asking.
"""

from flask import current_app, request, url_for
from sqlalchemy import select

from portal import bp
from queue_server.accounts.capabilities import is_case_progress_token
from queue_server.cases.models import Case
from queue_server.extensions import db
from queue_server.screens import uncached_page

CASE_PLACEHOLDER = "__case_no__"


def _page(case_no: str | None, phone: str | None = None):
    page_config = {
        "case_no": case_no,
        "phone": phone,
        "tz": current_app.config["TZ_NAME"],
        # The API address with a placeholder for the case number (the lookup form fills it in).
        "api": url_for("api.cases.case_progress", case_no=CASE_PLACEHOLDER),
        "placeholder": CASE_PLACEHOLDER,
    }
    return uncached_page("portal/progress.html", case_no=case_no, page_config=page_config)


@bp.get("/progress/<case_no>")
def progress(case_no: str):
    """The progress page a case's QR code opens: asks for the phone number, then shows the case; opened
    from the rating SMS (with the case's progress token) it shows the case at once."""
    phone = None
    if is_case_progress_token(case_no, request.args.get("k")):
        phone = db.session.scalar(select(Case.applicant_phone).where(Case.case_no == case_no))
    return _page(case_no, phone)


@bp.get("/progress/")
def lookup():
    """The same page for someone who types the case number in (from an SMS or a lost QR code)."""
    return _page(None)
