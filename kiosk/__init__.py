"""The self-service kiosk (自助取号机) and each ticket's live status page (/t/<id>)."""

from flask import Blueprint

bp = Blueprint(
    "kiosk",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/kiosk",
)

from kiosk import views  # noqa: E402,F401
