"""Web hardening (issue #13.5): session cookie, CSRF on forms, POST-only logout, security headers,
uploads as attachments, templates without inline script, per-account lockout in the audit log."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from queue_server.accounts.models import AuditEntry, User
from queue_server.calendar import clock
from queue_server.extensions import db
from tests.conftest import _make_app, assert_error, csrf_token, web_login

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def unlock(app):
    """Clear the lockout of every demo user after the test."""
    yield
    with app.app_context():
        db.session.execute(db.update(User).values(failed_logins=0, locked_until=None))
        db.session.commit()


def _user(app, username: str) -> User:
    with app.app_context():
        return db.session.scalar(db.select(User).where(User.username == username))


# --- the session cookie ---


def test_session_cookie_is_samesite_lax_and_httponly(client):
    """Issue 13: 'Set-Cookie: session=…; HttpOnly; Path=/' had no SameSite."""
    answer = web_login(client, "clerk1")
    cookie = next(value for value in answer.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_the_setting_says_so(database_url):
    """With SESSION_COOKIE_SECURE (production behind HTTPS) the cookie is Secure."""
    app = _make_app(database_url, {"SESSION_COOKIE_SECURE": True})
    client = app.test_client()
    token = csrf_token(client)
    answer = client.post(
        "/login",
        data={"username": "clerk1", "password": "demo", "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert answer.status_code == 302
    cookie = next(value for value in answer.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "Secure" in cookie and "SameSite=Lax" in cookie


# --- CSRF ---


def test_login_form_needs_its_csrf_token(client):
    """A sign-in posted without the form's token (from another site) is refused and signs no one in."""
    answer = client.post(
        "/login", data={"username": "clerk1", "password": "demo"}, headers={"Accept": "text/html"}
    )
    assert answer.status_code == 400
    assert client.get("/windows/xiqu").status_code == 302  # still signed out
    assert 'name="csrf_token"' in client.get("/login").get_data(as_text=True)
    assert web_login(client, "clerk1").status_code == 302


def test_logout_only_by_post_with_the_csrf_token(client):
    """Logout: GET is 405, a POST without the token 400 (still signed in), with it 302 and signed out."""
    assert web_login(client, "clerk1").status_code == 302
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    page = client.get("/windows/xiqu")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/windows/xiqu").status_code == 302


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    """Does each template's method=post form include csrf_token()?"""
    forms = []
    for template in ROOT.glob("*/templates/**/*.html"):
        for form in re.findall(r"<form\b[^>]*>.*?</form>", template.read_text(), flags=re.S | re.I):
            if re.search(r'method="post"', form, flags=re.I):
                forms.append((template.relative_to(ROOT), "csrf_token()" in form))
    # Sign-in, the sign-out every staff screen (the console too) takes from macros.html, the window chooser's.
    assert len(forms) >= 3
    assert Path("queue_server/templates/macros.html") in [name for name, _ in forms]
    assert [name for name, protected in forms if not protected] == []


def test_the_bearer_token_api_needs_no_csrf_token(client, api):
    """The JSON API takes no cookies and is exempt: a POST with a bearer token works without a CSRF token."""
    answer = client.post("/api/v1/halls/xiqu/tickets", json={"queue": "shsd"})
    assert answer.status_code == 201
    opened = api.post(f"/windows/{api.window_id(1)}/status", json={"status": "open"}, as_user="clerk1")
    assert opened.status_code == 200


# --- headers ---


@pytest.mark.parametrize(
    "path",
    ["/login", "/", "/board/xiqu", "/kiosk/xiqu", "/portal/", "/api/v1/halls", "/no-such-page", "/healthz"],
)
def test_security_headers_on_every_answer(client, path):
    """Issue 13: 'curl -I /login' showed no CSP, X-Frame-Options or Referrer-Policy."""
    answer = client.get(path, headers={"Accept": "text/html"})
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"


def test_the_printable_ticket_may_be_framed_by_this_site_only(client):
    """The kiosk prints from an iframe: its ticket page allows frame-ancestors 'self', nothing wider."""
    ticket = client.post("/api/v1/halls/xiqu/tickets", json={"queue": "shsd"}).get_json()
    answer = client.get(f"/t/{ticket['id']}/print?k={ticket['rating_token']}")
    assert answer.status_code == 200
    assert "frame-ancestors 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_no_template_has_inline_script_or_event_handlers():
    """Under a strict CSP every <script> has a src (or is JSON data); no on*= handlers, no inline style."""
    problems = []
    for template in ROOT.glob("*/templates/**/*.html"):
        source = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", source, flags=re.I):
            if "src=" not in tag and 'type="application/json"' not in tag:
                problems.append((str(template.relative_to(ROOT)), tag))
        for handler in re.findall(r"<[^>]*\son[a-z]+\s*=", source, flags=re.I):
            problems.append((str(template.relative_to(ROOT)), handler))
        if re.search(r"<style\b|\sstyle\s*=", source, flags=re.I):
            problems.append((str(template.relative_to(ROOT)), "inline style"))
    assert problems == []


# --- uploads ---


def test_uploaded_files_are_served_as_attachments(client, api, app, tmp_path):
    """Issue 13: uploaded PDFs were served inline (with their scripts); now always a download."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    body = {
        "service": "SCJG-007",
        "hall": "xiqu",
        "applicant": {"name": "王小明", "id_number": "442000199001011233", "phone": "13800138000"},
    }
    created = client.post("/api/v1/public/applications", json=body).get_json()
    headers = {"X-Application-Token": created["token"]}
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    from io import BytesIO

    uploaded = client.post(
        f"/api/v1/public/applications/{created['case_no']}/files",
        data={"material": "食品经营许可延续申请书", "file": (BytesIO(pdf), "scan.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    file_id = uploaded.get_json()["file"]["id"]
    mine = client.get(f"/api/v1/public/applications/{created['case_no']}/files/{file_id}", headers=headers)
    assert mine.status_code == 200 and mine.data == pdf
    assert mine.headers["Content-Disposition"].startswith("attachment")
    assert mine.headers["X-Content-Type-Options"] == "nosniff"


# --- lockout ---


@pytest.mark.parametrize("channel", ["api", "form"])
def test_lockout_with_backoff_after_failed_logins(app, client, unlock, channel):
    """Five wrong passwords lock the account (429 with Retry-After, even for the right one) for 60 s; the next
    failure after that locks it for 120 s; each lock is in the audit log; a success clears the count."""

    def attempt(password: str):
        if channel == "api":
            return client.post("/api/v1/auth/token", json={"username": "clerk4", "password": password})
        return client.post(
            "/login", data={"username": "clerk4", "password": password, "csrf_token": csrf_token(client)}
        )

    with app.app_context():
        last_entry = db.session.scalar(db.select(db.func.max(AuditEntry.id))) or 0
    for _ in range(4):
        assert attempt("wrong").status_code == 401
    assert _user(app, "clerk4").failed_logins == 4
    assert attempt("wrong").status_code == 401  # the fifth: now locked
    locked = attempt("demo")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) in range(55, 62)
    if channel == "api":
        assert_error(locked, 429, "rate_limited")
    else:
        assert "账号已暂时锁定" in locked.get_data(as_text=True)
    with app.app_context():
        [entry] = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.object == "user:clerk4", AuditEntry.id > last_entry)
        )
        assert entry.action == "user.locked" and entry.actor_id is None
        assert entry.before["failed_logins"] == 4 and entry.after["failed_logins"] == 5
    clock.freeze(clock.frozen_at() + timedelta(seconds=61))
    assert attempt("wrong").status_code == 401  # the lock is over: a sixth failure locks for twice as long
    again = attempt("demo")
    assert again.status_code == 429 and int(again.headers["Retry-After"]) in range(115, 122)
    clock.freeze(clock.frozen_at() + timedelta(seconds=121))
    assert attempt("demo").status_code in (200, 302)
    user = _user(app, "clerk4")
    assert user.failed_logins == 0 and user.locked_until is None


def test_unknown_users_lock_nothing_and_answer_alike(client):
    """Wrong guesses at a name that does not exist answer 401 like any other failure, never 429."""
    for _ in range(7):
        assert_error(
            client.post("/api/v1/auth/token", json={"username": "ghost", "password": "x"}),
            401,
            "unauthorized",
        )


# --- the audit log ---


def test_audit_log_is_append_only(app):
    """Neither the ORM nor plain SQL may change or remove an audit entry (SQLite and PostgreSQL)."""
    from sqlalchemy.exc import DatabaseError

    with app.app_context():
        entry = AuditEntry(
            at=clock.now(),
            actor_id=None,
            action="test.append_only",
            object="test:append",
            before=None,
            after={"n": 1},
        )
        db.session.add(entry)
        db.session.commit()
        entry.action = "changed"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        for statement in (
            "UPDATE audit_log SET action = 'changed' WHERE object = 'test:append'",
            "DELETE FROM audit_log WHERE object = 'test:append'",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert (
            db.session.scalar(db.select(AuditEntry.action).where(AuditEntry.object == "test:append"))
            == "test.append_only"
        )
