"""Supervisors' reports: the monthly 五办 report (printable), rectification of bad ratings, staffing
what-if."""

from queue_server.screens import screen_blueprint

bp = screen_blueprint(__name__, "/reports")

from reports import views  # noqa: E402,F401
