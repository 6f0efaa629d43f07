"""What the hall's screens share (admin_console, agent_screen, backoffice, consult, display_board,
evaluator, kiosk, portal, reports, supervisor, window_client).

Each screen is a package with a blueprint of its own name, its templates and its static files (served
under /static/<package>/). The staff screens let in a signed-in user the policy allows, and their pages
carry a bearer token: never kept in a cache.
"""

from flask import Blueprint, abort, make_response, render_template
from flask_login import current_user

from queue_server.accounts import policy


def screen_blueprint(package: str, url_prefix: str | None = None) -> Blueprint:
    """Return the blueprint of a screen package (pass its ``__name__``): its templates and static files."""
    return Blueprint(
        package,
        package,
        url_prefix=url_prefix,
        template_folder="templates",
        static_folder="static",
        static_url_path=f"/static/{package}",
    )


def require(action: str, **target) -> None:
    """Refuse (403) the signed-in user a screen the policy does not allow them."""
    if not policy.allows(current_user, action, **target):
        abort(403)


def uncached_page(template: str, **context):
    """Render a page that no cache may keep: it carries a bearer token or someone's case, and must not
    be shown again after sign-out (nor to the next citizen on a shared device)."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response
