"""Configuration read from the environment (see CONTRACT.md, Operations)."""

import os


def database_url(raw: str | None) -> str:
    """Return the SQLAlchemy URL for DATABASE_URL, choosing the PostgreSQL driver in code."""
    if not raw:
        return "sqlite:///wuban.sqlite3"  # Flask-SQLAlchemy puts it in the instance folder
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            # SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3, which eventlet cannot make green.
            return "postgresql+psycopg2://" + raw[len(prefix):]
    return raw


class Config:
    """Settings of a running hall; every value can come from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo")
    TZ_NAME = os.environ.get("TZ_NAME", "Asia/Shanghai")
    TOKEN_MAX_AGE_S = int(os.environ.get("TOKEN_MAX_AGE_S", 12 * 3600))
    # Socket.IO server mode: eventlet or gevent under gunicorn (gunicorn.conf.py sets it), threading in tests.
    SOCKETIO_ASYNC_MODE = os.environ.get("WUBAN_ASYNC_MODE") or "threading"
    JSON_SORT_KEYS = False
    MAX_CONTENT_LENGTH = 1024 * 1024

    # Public endpoints are limited per client; the strings use Flask-Limiter's notation.
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "true").lower() != "false"
    RATELIMIT_TICKETS = os.environ.get("RATELIMIT_TICKETS", "60/minute")
    RATELIMIT_PUBLIC = os.environ.get("RATELIMIT_PUBLIC", "600/minute")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "20/minute")
    RATELIMIT_HEADERS_ENABLED = True
    # If the limiter's Redis is down, count in memory instead of failing the request.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    # The kiosk's ESC/POS printer (kiosk/printing.py): "network:HOST[:PORT]", "usb:VENDOR:PRODUCT",
    # "file:/dev/usb/lp0" or "dummy"; unset, the kiosk offers a printable page instead.
    KIOSK_PRINTER = os.environ.get("KIOSK_PRINTER") or None
    KIOSK_PRINTER_PROFILE = os.environ.get("KIOSK_PRINTER_PROFILE") or None
    KIOSK_PRINTER_NATIVE_QR = os.environ.get("KIOSK_PRINTER_NATIVE_QR", "").lower() in ("1", "true", "yes")
    # The address phones use to reach the server, for the QR code on tickets (default: the kiosk's own).
    KIOSK_PUBLIC_URL = os.environ.get("KIOSK_PUBLIC_URL") or None

    # Used for est_wait_s until a queue has finished tickets of its own today.
    DEFAULT_SERVICE_S = int(os.environ.get("DEFAULT_SERVICE_S", 420))
    # How long a queue's pace (seconds per ticket in line) is reused before it is counted again.
    ESTIMATE_CACHE_S = float(os.environ.get("ESTIMATE_CACHE_S", 15))
