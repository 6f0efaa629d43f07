"""The JSON API (/api/v1): one parent blueprint holding each domain's routes, with the shared hooks.

Every domain package has its own blueprint (``queue_server/<domain>/routes.py``); the application
factory nests them under the ``api`` blueprint that ``make_api_blueprint`` builds, so every POST opens
its write transaction before the handler and carries the ``Idempotency-Key`` check, and endpoint names
read ``api.<domain>.<handler>``. Handlers parse input, call one operation and commit once.
"""

from flask import Blueprint, request

from queue_server import idempotency
from queue_server.db import begin_write


def _open_write_transaction() -> None:
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        request.get_data(cache=True)  # read the body before taking SQLite's write lock
        begin_write()


def make_api_blueprint(children: list[Blueprint]) -> Blueprint:
    """Build the /api/v1 blueprint of one application, with the domains' blueprints nested in it."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(_open_write_transaction)
    idempotency.register(api)  # Idempotency-Key on every POST: replay, refuse, or commit with the answer
    for child in children:
        api.register_blueprint(child)
    return api
