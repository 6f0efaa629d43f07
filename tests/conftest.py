"""Fixtures: the app on SQLite and on PostgreSQL, the demo hall loaded once per database, a frozen clock.

Database tests run once per backend. PostgreSQL is the real server (TEST_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test); each test session creates its own database beside it.
Without the server the PostgreSQL runs are skipped with the reason, except under CI=true, where a
missing service fails the run.
"""

import json
import os
import shutil
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import redis as redis_lib
from flask.testing import FlaskClient
from psycopg2 import sql

from queue_server import create_app
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.demo import load_demo
from queue_server.extensions import db
from queue_server.queue.models import Hall
from queue_server.realtime import events

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# A Monday morning in the hall: 2026-11-30 09:00 Asia/Shanghai.
HALL_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "SOCKETIO_ASYNC_MODE": "threading",
    "RATELIMIT_ENABLED": False,
    "REDIS_URL": None,
    "ESTIMATE_CACHE_S": 0,
    "NOTIFIER": "none",  # tests that look at messages choose their own backend
}


def service_missing(name: str, reason: str):
    """Skip a test whose service is down, or fail it under CI=true."""
    message = f"{name} unavailable: {reason}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_database():
    """Create a throw-away PostgreSQL database for this test session (per xdist worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"wuban_test_{worker}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg2.connect(POSTGRES_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        yield exc
        return
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = POSTGRES_URL.rpartition("/")
    yield f"{base}/{name}"
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory):
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "wuban-test.sqlite3")


_prepared: dict[str, object] = {}


class SettledClient(FlaskClient):
    """A test client whose requests return once their events and SMS have gone out (the app sends
    them after the answer, from a background task: queue_server/realtime/events.py)."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        assert events.flush(10), "the events of the request were not sent within 10 s"
        return response


def _make_app(url: str, extra: dict | None = None):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **(extra or {})})
    app.test_client_class = SettledClient
    if url not in _prepared:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            load_demo()
            db.session.commit()
        _prepared[url] = True
    return app


def reset_runtime_data() -> None:
    """Remove what tests create (tickets, history, counters, calendar edits) and close every window."""
    tables = (
        "consultations",
        "rectification_events",
        "rectifications",
        "ratings",
        "case_alerts",
        "case_files",
        "case_events",
        "case_pauses",
        "case_handovers",
        "agent_requests",
        "case_transfers",
        "cases",
        "case_counters",
        "appointments",
        "appointment_slots",
        "ticket_events",
        "tickets",
        "ticket_counters",
        "waiting_tallies",
        "calendar_overrides",
        "calendar_years",
    )
    for table in tables:
        db.session.execute(db.text(f"DELETE FROM {table}"))
    db.session.execute(db.text("UPDATE windows SET status = 'closed', clerk_id = NULL"))
    db.session.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, sqlite_database, postgres_database):
    """Yield the URL of each backend in turn."""
    if request.param == "sqlite":
        return sqlite_database
    if isinstance(postgres_database, Exception):
        service_missing("PostgreSQL", str(postgres_database).strip())
    return "postgresql+psycopg2://" + postgres_database.split("://", 1)[1]


@pytest.fixture
def app(database_url):
    """The app on one backend, with the demo hall and nothing else, at a frozen Monday 09:00."""
    application = _make_app(database_url)
    clock.freeze(HALL_MORNING)
    with application.app_context():
        reset_runtime_data()
    yield application
    clock.freeze(None)
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def advance_clock(minutes: float = 1) -> None:
    """Move the frozen hall clock forward by some minutes."""
    clock.freeze(clock.frozen_at() + timedelta(minutes=minutes))


@pytest.fixture
def advance():
    """Move the frozen hall clock forward by some minutes."""
    return advance_clock


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def other_hall(app):
    """A second hall, 南区, with a clerk of its own (nanqu_clerk / demo); removed afterwards."""
    with app.app_context():
        hall = Hall(code="nanqu", name="中山市南区行政服务中心", address="")
        clerk = User(username="nanqu_clerk", name="南区窗口", roles=["clerk"], hall=hall)
        clerk.set_password("demo")
        db.session.add_all([hall, clerk])
        db.session.commit()
    yield "nanqu"
    with app.app_context():
        reset_runtime_data()  # cases and tickets may name the hall and its clerk
        db.session.delete(db.session.scalar(db.select(User).where(User.username == "nanqu_clerk")))
        db.session.delete(db.session.scalar(db.select(Hall).where(Hall.code == "nanqu")))
        db.session.commit()


def emptied_redis(url: str):
    """Yield a real Redis database emptied before and after; skip or (CI) fail when Redis is down."""
    try:
        connection = redis_lib.Redis.from_url(url, socket_connect_timeout=2)
        connection.flushdb()
    except redis_lib.RedisError as exc:
        service_missing("Redis", str(exc))
    yield url
    connection.flushdb()
    connection.close()


@pytest.fixture
def sms(app, tmp_path):
    """Send text messages through the log backend into a fresh file; sms() reads back the messages sent,
    oldest first, sms(kind) those of one kind."""
    path = tmp_path / "notifications.log"
    app.config.update(NOTIFIER="log", NOTIFY_LOG_PATH=str(path))

    def sent(kind: str | None = None) -> list[dict]:
        lines = path.read_text("utf-8").splitlines() if path.exists() else []
        return [message for message in map(json.loads, lines) if kind in (None, message["kind"])]

    yield sent
    app.config.update(NOTIFIER="none")


@pytest.fixture
def redis_url():
    """The real Redis (database 15), emptied before and after."""
    yield from emptied_redis(REDIS_URL)


# A resident ID number with a valid check digit (GB 11643), and a phone, for demo applicants.
APPLICANT_ID = "442000199001011233"
APPLICANT_PHONE = "13800138000"
# The applicant collecting their own result at the pickup window, ID card checked (deliver's data.collector).
SELF_COLLECTOR = {"kind": "self", "id_number": APPLICANT_ID, "id_checked": True}

PICKUP = {"method": "pickup"}  # the result collected at the hall that took the case in
# A small PDF the upload checks accept (an applicant's scanned material).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def applicant(name: str = "张三", phone: str = APPLICANT_PHONE) -> dict:
    """A demo applicant by this name: the valid resident ID number, the phone."""
    return {"name": name, "id_number": APPLICANT_ID, "phone": phone}


def case_body(service: str = "SCJG-006", mode: str = "once", **fields) -> dict:
    """The body of POST /cases for 张三 at xiqu, by default 食品经营许可 as 一次办 with its result mailed;
    `fields` add to it or replace what it holds."""
    return {
        "service": service,
        "hall": "xiqu",
        "mode": mode,
        "applicant": applicant(),
        "delivery": {"method": "mail", "address": "广东省中山市西区富华道1号"},
        **fields,
    }


class Api:
    """A small client for the JSON API that signs in as demo users."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            answer = self.client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
            assert answer.status_code == 200, answer.get_json()
            self.tokens[username] = answer.get_json()["token"]
        return self.tokens[username]

    def headers(self, username: str | None) -> dict:
        return {"Authorization": f"Bearer {self.token(username)}"} if username else {}

    def get(self, path: str, as_user: str | None = None, **kwargs):
        return self.client.get("/api/v1" + path, headers=self.headers(as_user), **kwargs)

    def post(self, path: str, json=None, as_user: str | None = None, **kwargs):
        return self.client.post("/api/v1" + path, json=json, headers=self.headers(as_user), **kwargs)

    def take(self, queue: str = "shsd", **body) -> dict:
        answer = self.post("/halls/xiqu/tickets", json={"queue": queue, **body})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def serve(self, window: int, as_user: str = "clerk1", minutes: float = 0) -> dict:
        """Call the window's next ticket and serve it to the end (start, `minutes` on the frozen clock,
        finish); return the call's answer."""
        answer = self.post(f"/windows/{window}/call-next", as_user=as_user)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        called = answer.get_json()
        assert self.post(f"/tickets/{called['id']}/start", as_user=as_user).status_code == 200
        advance_clock(minutes)
        assert self.post(f"/tickets/{called['id']}/finish", as_user=as_user).status_code == 200
        return called

    def open_case(self, as_user: str = "clerk1", **fields) -> dict:
        """Open a case (case_body: by default 食品经营许可 as 一次办, mailed) and return it."""
        answer = self.post("/cases", json=case_body(**fields), as_user=as_user)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def fire(
        self,
        case_no: str,
        trigger: str,
        as_user: str,
        note: str | None = None,
        data: dict | None = None,
        expect: int = 200,
        error: str | None = None,
    ):
        """Fire a case trigger; check the status and return the answer's JSON. With `error`, the answer
        must be the contract's error body with that code (and status `expect`): its details are returned.

        A result handed over at the pickup window needs its collector: unless the test names one, the
        applicant collects it (本人, ID card checked).
        """
        if trigger == "deliver" and "collector" not in (data or {}) and expect == 200:
            state = self.get(f"/cases/{case_no}", as_user=as_user).get_json().get("state")
            if state == "ready_for_pickup":
                data = {**(data or {}), "collector": SELF_COLLECTOR}
        body = {"trigger": trigger, **({"note": note} if note else {}), **({"data": data} if data else {})}
        answer = self.post(f"/cases/{case_no}/transitions", json=body, as_user=as_user)
        if error:
            return assert_error(answer, expect, error)
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def window_id(self, number: int) -> int:
        windows = self.get("/halls/xiqu/windows", as_user="admin").get_json()
        return next(window["id"] for window in windows if window["number"] == number)

    def open_window(self, number: int, as_user: str = "clerk1") -> int:
        window_id = self.window_id(number)
        answer = self.post(f"/windows/{window_id}/status", json={"status": "open"}, as_user=as_user)
        assert answer.status_code == 200, answer.get_json()
        return window_id


@pytest.fixture
def api(client):
    return Api(client)


def csrf_token(client, path: str = "/login") -> str:
    """Read the CSRF token a page's form carries (the session cookie stays in the client)."""
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def web_login(client, username: str, password: str = "demo", **kwargs):
    """Sign in through the login form as a browser does (with its CSRF token); return the answer."""
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
        **kwargs,
    )


def assert_error(answer, status: int, code: str) -> dict:
    """Check an answer is the contract's error body with this status and code; return its details."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    body = answer.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body["error"]["details"]


# --- the browser: one Chromium per test process, for every directory's browser tests ---

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser is downloaded); one per test process:
    a second Playwright in the same process refuses to start."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        service_missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
