"""Tokens against real gunicorn servers: a short key refuses to start; a revocation made by one server is
refused at once by another that had the token cached (PostgreSQL, a private Redis)."""

import time

import pytest

from tests.conftest import POSTGRES_URL
from tests.live import LiveServer, private_redis_server, throwaway_postgres

REVOCATION_LIMIT_S = 0.5  # a revoked token must be refused by every server within this


@pytest.fixture(scope="module")
def live_database():
    """A throw-away PostgreSQL database, migrated, with the demo hall; dropped at the end."""
    with throwaway_postgres("tok", POSTGRES_URL) as (_admin, _name, url):
        yield url


@pytest.fixture
def private_redis():
    with private_redis_server() as server:
        yield server


def test_gunicorn_refuses_to_start_with_a_short_secret_key(tmp_path):
    """Production with a SECRET_KEY under 32 bytes stops at start with a message saying why."""
    server = LiveServer(
        "sqlite:///" + str(tmp_path / "unused.sqlite3"), extra_env={"SECRET_KEY": "short-key"}
    )
    with pytest.raises(RuntimeError, match="server exited early"):
        server.start(timeout=30)
    assert "SECRET_KEY is 9 bytes; production needs at least 32" in server.log_path.read_text()


def _refused_within(server: LiveServer, token: str, limit_s: float) -> tuple[float, int]:
    """Ask until the token is refused; return how long that took and how many answers still accepted it."""
    start, accepted = time.monotonic(), 0
    while True:
        status, _ = server.call("GET", "/api/v1/halls/xiqu/windows", token=token)
        if status == 401:
            return time.monotonic() - start, accepted
        assert status == 200
        accepted += 1
        if time.monotonic() - start > limit_s:
            pytest.fail(f"token still accepted {limit_s} s after its revocation on another server")


def test_revocation_at_one_server_is_refused_at_another(live_database, private_redis):
    """Logout and a password change on server A; server B, which had the tokens cached, refuses them."""
    a = LiveServer(live_database, redis_url=private_redis.url).start()
    b = LiveServer(live_database, redis_url=private_redis.url).start()
    try:
        token = a.token("clerk5")
        for _ in range(5):  # B reads the version once, then serves it from its cache
            assert b.call("GET", "/api/v1/halls/xiqu/windows", token=token)[0] == 200
        assert a.call("POST", "/api/v1/auth/logout", token=token)[0] == 204
        took, accepted = _refused_within(b, token, REVOCATION_LIMIT_S)
        print(f"logout at A: refused at B after {took * 1000:.1f} ms, {accepted} request(s) accepted before")
        assert accepted == 0  # the first request after the answer to the logout is refused

        caller, other = a.token("clerk5"), b.token("clerk5")
        assert b.call("GET", "/api/v1/halls/xiqu/windows", token=other)[0] == 200
        status, _ = a.call(
            "POST", "/api/v1/auth/password", {"old": "demo", "new": "a-new-password"}, token=caller
        )
        assert status == 204
        took, accepted = _refused_within(b, other, REVOCATION_LIMIT_S)
        print(
            f"password change at A: other token refused at B after {took * 1000:.1f} ms, {accepted} accepted"
        )
        assert accepted == 0
        assert b.call("GET", "/api/v1/halls/xiqu/windows", token=caller)[0] == 200  # the caller's token holds
    finally:
        a.stop()
        b.stop()
