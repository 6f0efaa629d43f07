"""The names screens show for states, triggers and modes, read from the workflows (GET /labels)."""

from flask import Blueprint, current_app

from queue_server.extensions import limiter
from workflows import case as case_flow
from workflows import ticket as ticket_flow

bp = Blueprint("labels", __name__)


def labels_view() -> dict:
    """Build the zh-CN names of case states and triggers, modes, ticket states and triggers, §45 reasons."""
    return {
        "case_states": {state: case_flow.STATE_NAMES[state] for state in case_flow.STATES},
        "case_triggers": dict(case_flow.TRIGGER_NAMES),
        "modes": dict(case_flow.MODE_NAMES),
        "ticket_states": {state: ticket_flow.STATE_NAMES[state] for state in ticket_flow.STATES},
        "ticket_triggers": dict(ticket_flow.TRIGGER_NAMES),
        "suspend_kinds": dict(case_flow.SUSPEND_KINDS),
    }


@bp.get("/labels")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def labels():
    return labels_view()
