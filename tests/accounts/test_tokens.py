"""Bearer tokens (issues #13.1 and #18.2): no public signing key; tokens that expire, carry the user's
scope (no query per request) and are revoked at once by logout, a password change or disabling."""

import time

import itsdangerous
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event

from queue_server import create_app
from queue_server.accounts.models import User
from queue_server.extensions import db
from tests.conftest import TEST_CONFIG, _make_app, assert_error, web_login

OLD_DEFAULT_KEY = "dev-only-change-me"


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _token(client, username: str, password: str = "demo") -> str:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["token"]


def _set_user(app, username: str, **values) -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        for name, value in values.items():
            if name == "password":
                user.set_password(value)
            else:
                setattr(user, name, value)
        db.session.commit()


@pytest.fixture
def restore_users(app):
    """Put the demo users back as they were (password demo, active, no lockout) after the test."""
    yield
    with app.app_context():
        touched = db.select(User).where(User.username.in_(["clerk1", "clerk2", "clerk3"]))
        for user in db.session.scalars(touched):
            if not user.check_password("demo"):
                user.set_password("demo")
            user.active, user.roles, user.failed_logins, user.locked_until = True, ["clerk"], 0, None
        db.session.commit()


# --- the signing key ---


def test_token_signed_with_the_old_default_key_is_refused(database_url):
    """Issue 13's forgery: a token signed with 'dev-only-change-me' must not open a staff endpoint."""
    app = _make_app(database_url, {"SECRET_KEY": None})
    assert app.config["SECRET_KEY"] and app.config["SECRET_KEY"] != OLD_DEFAULT_KEY
    client = app.test_client()
    with app.app_context():
        admin_id = db.session.scalar(db.select(User.id).where(User.username == "admin"))
    old_form = URLSafeTimedSerializer(OLD_DEFAULT_KEY, salt="wuban-api-token").dumps({"uid": admin_id})
    assert_error(client.get("/api/v1/halls/xiqu/stats", headers=_bearer(old_form)), 401, "unauthorized")
    # Even a token of today's form, if signed with the old key, is refused.
    claims = {
        "uid": admin_id,
        "u": "admin",
        "n": "admin",
        "r": ["admin"],
        "h": None,
        "hc": None,
        "d": None,
        "dc": None,
        "v": 0,
        "t": "x",
    }
    new_form = URLSafeTimedSerializer(OLD_DEFAULT_KEY, salt="wuban-api-token").dumps(claims)
    assert_error(client.get("/api/v1/halls/xiqu/stats", headers=_bearer(new_form)), 401, "unauthorized")


def test_two_apps_on_one_instance_folder_share_the_generated_key(database_url):
    """Do two app instances (two workers) without SECRET_KEY sign with the same kept key?"""
    first = _make_app(database_url, {"SECRET_KEY": None})
    second = _make_app(database_url, {"SECRET_KEY": None})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    token = _token(first.test_client(), "clerk1")
    assert second.test_client().get("/api/v1/halls/xiqu/windows", headers=_bearer(token)).status_code == 200


def test_processes_starting_together_make_one_key(tmp_path):
    """Eight processes racing to make the instance key all read the same one; it is 0600 and long enough."""
    import subprocess
    import sys

    path = tmp_path / "secret_key"
    code = (
        "import sys, time; from pathlib import Path; from queue_server.security import instance_secret; "
        "time.sleep(max(0, float(sys.argv[2]) - time.time())); print(instance_secret(Path(sys.argv[1])))"
    )
    start_at = str(time.time() + 1.5)
    workers = [
        subprocess.Popen([sys.executable, "-c", code, str(path), start_at], stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    keys = {worker.communicate(timeout=30)[0].strip() for worker in workers}
    assert len(keys) == 1 and len(keys.pop()) >= 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_the_server_says_which_key_it_uses(database_url, caplog):
    """Without SECRET_KEY one log line says the kept random key is used, and where it is (a warning only
    when the key is made: a normal start of run.sh prints none)."""
    with caplog.at_level("INFO", logger="queue_server.security"):
        _make_app(database_url, {"SECRET_KEY": None})
    [line] = [r.getMessage() for r in caplog.records if r.name == "queue_server.security"]
    assert "SECRET_KEY is not set" in line and "secret_key" in line


# --- what a token carries ---


def test_a_staff_request_runs_no_query_for_the_user(app, client):
    """Issue 18.2: the token says who calls; no SELECT of the users table on the hot path."""
    token = _token(client, "clerk1")
    # The first request warms the cache.
    assert client.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)).status_code == 200
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            assert client.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements, "the endpoint reads its windows"
    assert not [s for s in statements if "FROM users" in s], statements


def test_token_expires_after_token_max_age(app, client, monkeypatch):
    """Is a token older than TOKEN_MAX_AGE_S (a clerk's shift) refused?"""
    shift = app.config["TOKEN_MAX_AGE_S"]
    real_time = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - shift - 60)
    old = _token(client, "clerk1")
    monkeypatch.setattr(itsdangerous.timed.time, "time", real_time)
    fresh = _token(client, "clerk1")
    assert_error(client.get("/api/v1/halls/xiqu/windows", headers=_bearer(old)), 401, "unauthorized")
    assert client.get("/api/v1/halls/xiqu/windows", headers=_bearer(fresh)).status_code == 200


def test_principal_keeps_what_operations_use(app, client, api):
    """Do the operations that link the acting user to rows (open a window, claim, open a case) still work?"""
    window = api.open_window(1)  # window.clerk = the acting user's row
    with app.app_context():
        assert (
            db.session.get(
                User, db.session.scalar(db.select(User.id).where(User.username == "clerk1"))
            ).username
            == "clerk1"
        )
        from queue_server.queue.models import Window

        assert db.session.get(Window, window).clerk.username == "clerk1"
    case = api.open_case()  # created_by = the acting user's row
    assert case["case_no"]


# --- revocation ---


def test_logout_revokes_every_token_and_session_of_the_user(app, client, restore_users):
    """After POST /auth/logout, is the token (and the user's other tokens and web session) refused?"""
    browser = app.test_client()
    assert web_login(browser, "clerk1").status_code == 302
    assert browser.get("/windows/xiqu").status_code == 200
    token, other = _token(client, "clerk1"), _token(client, "clerk1")
    assert client.post("/api/v1/auth/logout", headers=_bearer(token)).status_code == 204
    for revoked in (token, other):
        assert_error(client.get("/api/v1/halls/xiqu/windows", headers=_bearer(revoked)), 401, "unauthorized")
    assert browser.get("/windows/xiqu").status_code == 302  # back to the login page
    fresh = _token(client, "clerk1")
    assert client.get("/api/v1/halls/xiqu/windows", headers=_bearer(fresh)).status_code == 200
    assert_error(client.post("/api/v1/auth/logout"), 401, "unauthorized")


def test_password_change_keeps_the_caller_and_revokes_the_rest(app, client, restore_users):
    """POST /auth/password: 400 on a wrong old one; 204, then only the token that asked still works."""
    caller, other = _token(client, "clerk2"), _token(client, "clerk2")
    browser = app.test_client()
    assert web_login(browser, "clerk2").status_code == 302
    details = assert_error(
        client.post(
            "/api/v1/auth/password", json={"old": "nope", "new": "new-secret-1"}, headers=_bearer(caller)
        ),
        400,
        "invalid_request",
    )
    assert "old" in details["fields"]
    assert client.get("/api/v1/halls/xiqu/windows", headers=_bearer(other)).status_code == 200  # no change
    answer = client.post(
        "/api/v1/auth/password", json={"old": "demo", "new": "new-secret-1"}, headers=_bearer(caller)
    )
    assert answer.status_code == 204
    assert client.get("/api/v1/halls/xiqu/windows", headers=_bearer(caller)).status_code == 200
    assert_error(client.get("/api/v1/halls/xiqu/windows", headers=_bearer(other)), 401, "unauthorized")
    assert browser.get("/windows/xiqu").status_code == 302
    assert_error(
        client.post("/api/v1/auth/token", json={"username": "clerk2", "password": "demo"}),
        401,
        "unauthorized",
    )
    assert _token(client, "clerk2", "new-secret-1")
    with app.app_context():
        from queue_server.accounts.models import AuditEntry

        entry = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.object == "user:clerk2").order_by(AuditEntry.id.desc())
        ).first()
        assert entry.action == "user.password_changed" and entry.actor.username == "clerk2"


def test_disabling_a_user_or_changing_roles_revokes_at_once(app, client, restore_users):
    """A change of the user's row (active, roles) refuses their tokens and session from the next request."""
    token = _token(client, "clerk3")
    browser = app.test_client()
    assert web_login(browser, "clerk3").status_code == 302
    assert client.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)).status_code == 200  # cached now
    _set_user(app, "clerk3", active=False)
    assert_error(client.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)), 401, "unauthorized")
    assert browser.get("/windows/xiqu").status_code == 302
    _set_user(app, "clerk3", active=True)
    assert_error(client.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)), 401, "unauthorized")
    token = _token(client, "clerk3")
    _set_user(app, "clerk3", roles=["clerk", "supervisor"])
    assert_error(client.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)), 401, "unauthorized")
    _set_user(app, "clerk3", roles=["clerk"])


def test_password_request_is_validated(client):
    """Is a short new password a 400 naming the field?"""
    token = _token(client, "clerk1")
    details = assert_error(
        client.post("/api/v1/auth/password", json={"old": "demo", "new": "short"}, headers=_bearer(token)),
        400,
        "invalid_request",
    )
    assert "new" in details["fields"]


# --- across workers ---


def _wait_refused(client, token: str, limit_s: float = 2.0) -> float:
    """Return how long the token took to be refused (fails after limit_s)."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if client.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)).status_code == 401:
            return time.monotonic() - start
        time.sleep(0.005)
    pytest.fail(f"token still accepted {limit_s} s after the revocation")


def test_revocation_reaches_another_worker_through_redis(database_url, redis_url, restore_users):
    """Two workers (apps) share Redis: a logout at one refuses the token at the other, which had it cached."""
    one = _make_app(database_url, {"REDIS_URL": redis_url})
    two = _make_app(database_url, {"REDIS_URL": redis_url})
    a, b = one.test_client(), two.test_client()
    token = _token(a, "clerk1")
    deadline = time.monotonic() + 5
    while not getattr(two.extensions.get("wuban_token_versions"), "_subscribed", False):
        assert b.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)).status_code == 200
        assert time.monotonic() < deadline, "worker two never subscribed"
        time.sleep(0.02)
    assert b.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)).status_code == 200  # now in its cache
    assert a.post("/api/v1/auth/logout", headers=_bearer(token)).status_code == 204
    took = _wait_refused(b, token)
    print(f"revocation reached the other worker in {took * 1000:.1f} ms")
    assert took < 0.5


def test_without_redis_workers_read_versions_every_time(database_url, restore_users, monkeypatch):
    """Several workers without Redis (WEB_CONCURRENCY > 1) cache nothing: a logout elsewhere counts."""
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    one, two = _make_app(database_url), _make_app(database_url)
    a, b = one.test_client(), two.test_client()
    token = _token(a, "clerk1")
    assert b.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)).status_code == 200
    assert a.post("/api/v1/auth/logout", headers=_bearer(token)).status_code == 204
    assert_error(b.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)), 401, "unauthorized")


def test_with_redis_down_a_worker_trusts_no_cache(database_url, restore_users):
    """A worker that cannot reach Redis reads the version every time, so a revocation still counts at once."""
    from tests.live import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"
    one, two = _make_app(database_url, {"REDIS_URL": dead}), _make_app(database_url, {"REDIS_URL": dead})
    a, b = one.test_client(), two.test_client()
    token = _token(a, "clerk1")
    assert b.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)).status_code == 200
    assert a.post("/api/v1/auth/logout", headers=_bearer(token)).status_code == 204
    assert_error(b.get("/api/v1/halls/xiqu/windows", headers=_bearer(token)), 401, "unauthorized")


def test_create_app_refuses_a_short_key_in_production():
    """Under gunicorn's worker (WUBAN_ASYNC_MODE eventlet or gevent) a key under 32 bytes stops the start."""
    from queue_server.security import SecretKeyError

    with pytest.raises(SecretKeyError, match="at least 32"):
        create_app(
            {
                **TEST_CONFIG,
                "SECRET_KEY": "live-test-secret",
                "SOCKETIO_ASYNC_MODE": "eventlet",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
            }
        )


def test_a_revoked_token_may_not_subscribe_to_a_window(app, client, api, restore_users):
    """A Socket.IO connection opened with a token later revoked (logout) may not subscribe to a window."""
    from queue_server.extensions import socketio

    token = _token(client, "clerk1")
    window = api.window_id(1)
    screen = socketio.test_client(app, auth={"token": token}, flask_test_client=client)
    try:
        assert screen.emit("subscribe", {"window": window}, callback=True)["window"]["id"] == window
        assert client.post("/api/v1/auth/logout", headers=_bearer(token)).status_code == 204
        refused = screen.emit("subscribe", {"window": window}, callback=True)
        assert refused["error"]["code"] == "unauthorized"
    finally:
        screen.disconnect()
