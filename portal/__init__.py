"""The citizen portal (办事群众端): the public progress page of a case, opened from its documents' QR code;
item guides and online applications (网上办, portal/online.py)."""

from queue_server.screens import screen_blueprint

bp = screen_blueprint(__name__)

from portal import booking, online, publicity, views  # noqa: E402,F401
