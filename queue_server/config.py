"""Configuration read from the environment (see CONTRACT.md, Operations)."""

import os


def database_url(raw: str | None) -> str:
    """Return the SQLAlchemy URL for DATABASE_URL, choosing the PostgreSQL driver in code."""
    if not raw:
        return "sqlite:///wuban.sqlite3"  # Flask-SQLAlchemy puts it in the instance folder
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            # SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3, which eventlet cannot make green.
            return "postgresql+psycopg2://" + raw[len(prefix) :]
    return raw


class Config:
    """Settings of a running hall; every value can come from the environment."""

    # Signs bearer tokens, sessions and applicants' tokens. Unset: a random key kept in the instance
    # folder (queue_server/security.py); under gunicorn a key shorter than 32 bytes refuses to start.
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo")
    TZ_NAME = os.environ.get("TZ_NAME", "Asia/Shanghai")
    TOKEN_MAX_AGE_S = int(os.environ.get("TOKEN_MAX_AGE_S", 12 * 3600))
    # Staff auth (queue_server/accounts/auth.py, docs/auth.md): how long a worker trusts a user's cached token
    # version (unset: 30 s, or 0 = read it every request when several workers run without Redis); the
    # session cookie (SameSite=Lax always, Secure when served over HTTPS); lockout after failed logins.
    TOKEN_VERSION_CACHE_S = os.environ.get("TOKEN_VERSION_CACHE_S") or None
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes")
    LOGIN_LOCKOUT_THRESHOLD = int(os.environ.get("LOGIN_LOCKOUT_THRESHOLD", 5))
    LOGIN_LOCKOUT_BASE_S = int(os.environ.get("LOGIN_LOCKOUT_BASE_S", 60))
    LOGIN_LOCKOUT_MAX_S = int(os.environ.get("LOGIN_LOCKOUT_MAX_S", 3600))
    # Socket.IO server mode: eventlet or gevent under gunicorn (gunicorn.conf.py sets it), threading in tests.
    SOCKETIO_ASYNC_MODE = os.environ.get("WUBAN_ASYNC_MODE") or "threading"
    JSON_SORT_KEYS = False
    # The database's limits (queue_server/db.py, docs/database.md): connections per process and how long a
    # request waits for one; how long it waits for a lock (SQLite's write lock, a PostgreSQL row or table
    # lock); PostgreSQL's statement timeout and connect timeout. Past any of them: 503 unavailable.
    DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", 10))
    DB_POOL_TIMEOUT_S = float(os.environ.get("DB_POOL_TIMEOUT_S", 5))
    DB_LOCK_TIMEOUT_S = float(os.environ.get("DB_LOCK_TIMEOUT_S", 5))
    DB_STATEMENT_TIMEOUT_S = float(os.environ.get("DB_STATEMENT_TIMEOUT_S", 15))
    DB_CONNECT_TIMEOUT_S = int(os.environ.get("DB_CONNECT_TIMEOUT_S", 3))
    # How long a POST's Idempotency-Key and its answer are kept for repeats (queue_server/idempotency.py).
    IDEMPOTENCY_TTL_S = float(os.environ.get("IDEMPOTENCY_TTL_S", 24 * 3600))
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Behind a load balancer (docs/scaling.md): how many proxies in front of the server set
    # X-Forwarded-For/-Proto. 0 (direct) ignores the headers, so a client cannot pose as another address.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", 0))

    # Public endpoints are limited per client; the strings use Flask-Limiter's notation.
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "true").lower() != "false"
    RATELIMIT_TICKETS = os.environ.get("RATELIMIT_TICKETS", "60/minute")
    RATELIMIT_PUBLIC = os.environ.get("RATELIMIT_PUBLIC", "600/minute")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "20/minute")
    # Wrong phone numbers on a case's public progress, per client and case.
    RATELIMIT_PROGRESS_GUESSES = os.environ.get("RATELIMIT_PROGRESS_GUESSES", "10/hour")
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
    # 限时办结: a running case turns yellow with this many working days left, or this share of its limit.
    CASE_YELLOW_WORKDAYS = int(os.environ.get("CASE_YELLOW_WORKDAYS", 1))
    CASE_YELLOW_RATIO = float(os.environ.get("CASE_YELLOW_RATIO", 0.2))
    # 好差评: a bad rating (1 or 2) opens a rectification item due this many working days later.
    RECTIFICATION_WORKDAYS = int(os.environ.get("RECTIFICATION_WORKDAYS", 15))
    # Wait estimates: each open window's pace is the mean of its last few services of the day.
    ESTIMATE_RECENT_SERVICES = int(os.environ.get("ESTIMATE_RECENT_SERVICES", 10))
    # The scheduler (queue_server/scheduler.py, docs/scheduler.md): seconds between sweeps; the closing
    # time used for a hall whose opening hours name none (open tickets then expire); and the place in
    # line at which a waiting ticket with a phone gets the "your turn is near" SMS.
    SCHEDULER_INTERVAL_S = float(os.environ.get("SCHEDULER_INTERVAL_S", 30))
    HALL_CLOSING_TIME = os.environ.get("HALL_CLOSING_TIME", "17:30")
    TURN_NEAR_PLACE = int(os.environ.get("TURN_NEAR_PLACE", 3))
    # Whether the web server runs those timers itself: "auto" (when there is no REDIS_URL, as its events
    # can then reach the screens only from the server's own process), "1" or "0" (docs/scheduler.md).
    SCHEDULER_IN_SERVER = os.environ.get("SCHEDULER_IN_SERVER", "auto")
    # The supervisor screen flags a ticket left "called" this many minutes (red at twice as long).
    TICKET_CALLED_ALERT_MIN = float(os.environ.get("TICKET_CALLED_ALERT_MIN", 10))

    # SMS to applicants (queue_server/notify/sms.py, docs/notifications.md): "log" (a JSON line per message
    # in NOTIFY_LOG_PATH, default <instance>/notifications.log), "http" (the SMS gateway) or "none".
    NOTIFIER = os.environ.get("NOTIFIER", "log")
    NOTIFY_LOG_PATH = os.environ.get("NOTIFY_LOG_PATH") or None
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL") or None
    SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN") or None
    SMS_TIMEOUT_S = float(os.environ.get("SMS_TIMEOUT_S", 3))
    SMS_RETRIES = int(os.environ.get("SMS_RETRIES", 3))
    SMS_BACKOFF_S = float(os.environ.get("SMS_BACKOFF_S", 1))
    # The gateway account's registered signature (【…】); unset, each message is signed with its hall's name.
    SMS_SIGNATURE = os.environ.get("SMS_SIGNATURE") or None

    # 网上办 (docs/online.md): uploaded materials live in UPLOAD_DIR (default <instance>/uploads, outside
    # the web root), at most UPLOAD_MAX_BYTES a file (PDF, JPEG or PNG); an applicant's access token lasts
    # APPLICATION_TOKEN_MAX_AGE_S; RATELIMIT_APPLICATIONS limits new applications per client.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or None
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    APPLICATION_TOKEN_MAX_AGE_S = int(os.environ.get("APPLICATION_TOKEN_MAX_AGE_S", 365 * 24 * 3600))
    RATELIMIT_APPLICATIONS = os.environ.get("RATELIMIT_APPLICATIONS", "30/hour")
    # 示例文本 (docs/admin.md): the largest sample file of an item's material an administrator uploads.
    SAMPLE_MAX_BYTES = int(os.environ.get("SAMPLE_MAX_BYTES", 5 * 1024 * 1024))
    # A staff photo upload (the evaluator shows it; queue_server/admin/photos.py) is at most this large.
    STAFF_PHOTO_MAX_BYTES = int(os.environ.get("STAFF_PHOTO_MAX_BYTES", 5 * 1024 * 1024))

    # 预约 (docs/appointments.md): slots of APPOINTMENT_SLOT_MINUTES within APPOINTMENT_HOURS on working
    # days, today up to APPOINTMENT_DAYS_AHEAD days ahead; APPOINTMENT_CAPACITY places per queue and slot
    # (APPOINTMENT_CAPACITY_BY_QUEUE "shsd=6,bdcsf=2" sets single queues); check-in at the kiosk from
    # APPOINTMENT_CHECKIN_EARLY_MIN before the slot to APPOINTMENT_CHECKIN_LATE_MIN after its end;
    # APPOINTMENT_MISS_LIMIT misses within APPOINTMENT_MISS_WINDOW_DAYS bar booking for APPOINTMENT_BAN_DAYS;
    # the reminder goes APPOINTMENT_REMINDER_LEAD_H hours before the slot.
    APPOINTMENT_HOURS = os.environ.get("APPOINTMENT_HOURS", "08:30-12:00,14:30-17:30")
    APPOINTMENT_SLOT_MINUTES = int(os.environ.get("APPOINTMENT_SLOT_MINUTES", 30))
    APPOINTMENT_DAYS_AHEAD = int(os.environ.get("APPOINTMENT_DAYS_AHEAD", 7))
    APPOINTMENT_CAPACITY = int(os.environ.get("APPOINTMENT_CAPACITY", 4))
    APPOINTMENT_CAPACITY_BY_QUEUE = os.environ.get("APPOINTMENT_CAPACITY_BY_QUEUE", "")
    APPOINTMENT_CHECKIN_EARLY_MIN = int(os.environ.get("APPOINTMENT_CHECKIN_EARLY_MIN", 30))
    APPOINTMENT_CHECKIN_LATE_MIN = int(os.environ.get("APPOINTMENT_CHECKIN_LATE_MIN", 0))
    APPOINTMENT_MISS_LIMIT = int(os.environ.get("APPOINTMENT_MISS_LIMIT", 3))
    APPOINTMENT_MISS_WINDOW_DAYS = int(os.environ.get("APPOINTMENT_MISS_WINDOW_DAYS", 30))
    APPOINTMENT_BAN_DAYS = int(os.environ.get("APPOINTMENT_BAN_DAYS", 30))
    APPOINTMENT_REMINDER_LEAD_H = float(os.environ.get("APPOINTMENT_REMINDER_LEAD_H", 24))
    RATELIMIT_APPOINTMENTS = os.environ.get("RATELIMIT_APPOINTMENTS", "20/hour")
    # Wrong phone numbers or codes when looking up or cancelling a booking, per client and code.
    RATELIMIT_APPOINTMENT_GUESSES = os.environ.get("RATELIMIT_APPOINTMENT_GUESSES", "10/hour")
