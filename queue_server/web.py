"""Pages the server itself serves to every screen: staff sign-in, the index, and npm-installed scripts."""

from pathlib import Path
from urllib.parse import urlparse

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from queue_server.accounts.auth import LoginLocked, revoke_tokens, sign_in
from queue_server.db import begin_write
from queue_server.errors import Unauthorized
from queue_server.extensions import db, limiter
from queue_server.queue import tree
from queue_server.queue.models import Hall

bp = Blueprint("web", __name__)

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
# The only npm files served, by the name pages use: never a CDN at run time.
VENDOR_FILES = {
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",  # the supervisor screen's charts
}


def public_url(endpoint: str, **values) -> str:
    """Return the absolute address of a public page, as QR codes and messages carry it.

    KIOSK_PUBLIC_URL (e.g. https://qh.example.gov.cn) sets the base when phones reach the server by
    another name than the hall's screens do.
    """
    base = current_app.config.get("KIOSK_PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


@bp.get("/")
def index():
    # The city's halls as a tree is read: each district, then its communities and their stations.
    halls = tree.ordered(list(db.session.scalars(db.select(Hall)).all()))
    return render_template("index.html", halls=halls)


def _safe_next(target: str | None) -> str:
    """Keep redirects after sign-in on this site."""
    if target and urlparse(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        begin_write()
        try:
            user = sign_in(request.form.get("username", "").strip(), request.form.get("password", ""))
        except (Unauthorized, LoginLocked) as exc:
            error, status = exc.message, exc.status
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error, user=current_user), status


@bp.post("/logout")
def logout():
    """Sign out (a same-site POST with the CSRF token): every token and session of the user ends."""
    if current_user.is_authenticated:
        begin_write()
        revoke_tokens(current_user.id)
        db.session.commit()
    logout_user()
    return redirect(url_for("web.login"))


@bp.get("/vendor/<name>")
def vendor(name: str):
    relative = VENDOR_FILES.get(name)
    if relative is None or not (NODE_MODULES / relative).is_file():
        abort(404)
    path = NODE_MODULES / relative
    return send_from_directory(path.parent, path.name, max_age=3600)
