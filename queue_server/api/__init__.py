"""The JSON API (/api/v1): thin handlers that parse input, call one operation and commit once."""

from flask import Blueprint, request

from queue_server import idempotency
from queue_server.db import begin_write

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _open_write_transaction() -> None:
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        request.get_data(cache=True)  # read the body before taking SQLite's write lock
        begin_write()


idempotency.register(bp)  # Idempotency-Key on every POST: replay, refuse, or commit with the answer


from queue_server.api import appointments, auth, calendar, cases, halls, monitor, online, openapi, ratings, services, stats, tickets, windows  # noqa: E402,F401
from queue_server.api import labels  # noqa: E402,F401
