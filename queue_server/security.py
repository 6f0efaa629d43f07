"""Web hardening: the secret key, CSRF tokens on forms, and security headers on every answer.

- SECRET_KEY signs bearer tokens, session cookies and applicants' tokens. Unset, the server uses a
  random key kept in the instance folder (``secret_key``, mode 0600), made once: the first process
  to start writes it whole and links it into place, so workers starting together all read the same
  key. Under gunicorn (production) a SECRET_KEY shorter than 32 bytes refuses to start.
- Every HTML form carries a CSRF token (Flask-WTF); the JSON API (blueprint ``api``) is exempt: it
  takes bearer tokens only, never cookies. The kiosk's print request is a public fetch from the kiosk.
- Every answer gets a strict Content-Security-Policy (no inline script or style), ``nosniff``, a
  same-origin Referrer-Policy and a frame ban; only the kiosk's printable ticket, which the kiosk
  prints from an iframe, may be framed by pages of this site.
"""

import logging
import os
import secrets
import tempfile
from pathlib import Path

from flask import Blueprint, Flask, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

log = logging.getLogger(__name__)

csrf = CSRFProtect()

MIN_SECRET_BYTES = 32
SECRET_FILE = "secret_key"
# Pages another page of this site shows in a frame: the kiosk prints its ticket from one.
FRAMEABLE_ENDPOINTS = frozenset({"kiosk.printable_ticket"})
# Public POSTs made by fetch from a screen that has no form (the kiosk's printer).
CSRF_EXEMPT_VIEWS = ("kiosk.views.print_on_printer",)

_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "connect-src 'self' blob:",  # screens read back the files they opened as blob: URLs
        "font-src 'self'",
        "object-src 'none'",
        "frame-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)
HEADERS = {
    "Content-Security-Policy": _CSP + "; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
FRAMEABLE_HEADERS = {
    **HEADERS,
    "Content-Security-Policy": _CSP + "; frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
}


class SecretKeyError(RuntimeError):
    """The configured secret key cannot be used (too short for production)."""


def in_production(app: Flask) -> bool:
    """Tell whether the app runs under gunicorn's eventlet or gevent worker (gunicorn.conf.py says so)."""
    return app.config.get("SOCKETIO_ASYNC_MODE") in ("eventlet", "gevent")


def init_secret_key(app: Flask) -> None:
    """Use SECRET_KEY, or the instance folder's random key; refuse a short key in production."""
    key = app.config.get("SECRET_KEY")
    if key:
        size = len(key.encode() if isinstance(key, str) else key)
        if size < MIN_SECRET_BYTES and in_production(app):
            raise SecretKeyError(
                f"SECRET_KEY is {size} bytes; production needs at least {MIN_SECRET_BYTES} "
                f"(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'), or unset it to use "
                f"a random key kept in {Path(app.instance_path) / SECRET_FILE}"
            )
        return
    path = Path(app.instance_path) / SECRET_FILE
    made = not path.exists()
    app.config["SECRET_KEY"] = instance_secret(path)
    # Said as a warning when the key is made; on every later start it is the expected set-up (run.sh).
    log.log(
        logging.WARNING if made else logging.INFO,
        "SECRET_KEY is not set: using the random key kept in %s (set SECRET_KEY to share a key "
        "between hosts)",
        path,
    )


def instance_secret(path: Path) -> str:
    """Return the key kept in ``path``, making it first if there is none (safe for processes racing)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)  # appears whole, or not at all; the first process wins
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise SecretKeyError(f"{path} holds no usable key ({len(key)} bytes): remove it to make a new one")
    if path.stat().st_mode & 0o077:
        log.warning("%s is readable by other users: chmod 600 it", path)
    return key


def init_security(app: Flask, api_blueprints: list[Blueprint]) -> None:
    """Protect forms against CSRF (the bearer-token API exempt) and add the security headers."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a token lasts as long as the session
    csrf.init_app(app)
    for blueprint in api_blueprints:
        csrf.exempt(blueprint)
    for view in CSRF_EXEMPT_VIEWS:
        csrf.exempt(view)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        from queue_server.errors import error_response

        return error_response(400, "invalid_request", "页面已过期或来源无效，请刷新页面后重试")

    @app.after_request
    def _security_headers(response):
        frameable = request.endpoint in FRAMEABLE_ENDPOINTS
        for name, value in (FRAMEABLE_HEADERS if frameable else HEADERS).items():
            response.headers.setdefault(name, value)
        retry_after = g.get("retry_after_s")
        if retry_after is not None and response.status_code == 429:
            response.headers["Retry-After"] = str(retry_after)
        return response
