"""The self-service kiosk (自助取号机) and each ticket's live status page (/t/<id>)."""

from queue_server.screens import screen_blueprint

bp = screen_blueprint(__name__)

from kiosk import views  # noqa: E402,F401
