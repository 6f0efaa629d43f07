"""Supervisors' reports: the monthly 五办 report (printable), rectification of bad ratings, staffing
what-if."""

from flask import Blueprint

bp = Blueprint(
    "reports",
    __name__,
    url_prefix="/reports",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/reports",
)

from reports import views  # noqa: E402,F401
