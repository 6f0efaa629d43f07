"""The citizen portal (办事群众端): the public progress page of a case, opened from its documents' QR code;
item guides and online applications (网上办, portal/online.py)."""

from flask import Blueprint

bp = Blueprint(
    "portal",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/portal",
)

from portal import booking, online, publicity, views  # noqa: E402,F401
