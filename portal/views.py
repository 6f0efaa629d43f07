"""Portal pages: the applicant follows a case with its number and the phone number given at intake.

The pages themselves read nothing from the database: whether a case exists is only told to someone
who knows its phone number, by the rate-limited public API the page calls.
"""

from flask import current_app, render_template, url_for

from portal import bp

CASE_PLACEHOLDER = "__case_no__"


def _page(case_no: str | None):
    page_config = {
        "case_no": case_no,
        "tz": current_app.config["TZ_NAME"],
        # The API address with a placeholder for the case number (the lookup form fills it in).
        "api": url_for("api.cases.case_progress", case_no=CASE_PLACEHOLDER),
        "placeholder": CASE_PLACEHOLDER,
    }
    response = current_app.make_response(
        render_template("portal/progress.html", case_no=case_no, page_config=page_config)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/progress/<case_no>")
def progress(case_no: str):
    """The progress page a case's QR code opens: asks for the phone number, then shows the case."""
    return _page(case_no)


@bp.get("/progress/")
def lookup():
    """The same page for someone who types the case number in (from an SMS or a lost QR code)."""
    return _page(None)
