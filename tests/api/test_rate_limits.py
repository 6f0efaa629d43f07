"""Public endpoints are limited per client, with the contract's 429 answer."""

from tests.conftest import _make_app, assert_error


def test_kiosk_over_its_limit_gets_429(database_url, app):
    """Does a client over its ticket limit get 429 rate_limited, and no ticket?"""
    limited = _make_app(database_url, {"RATELIMIT_ENABLED": True, "RATELIMIT_TICKETS": "3/minute"})
    client = limited.test_client()
    for _ in range(3):
        assert client.post("/api/v1/halls/xiqu/tickets", json={"queue": "shsd"}).status_code == 201
    assert_error(client.post("/api/v1/halls/xiqu/tickets", json={"queue": "shsd"}), 429, "rate_limited")
    queues = client.get("/api/v1/halls/xiqu/queues").get_json()
    assert next(queue for queue in queues if queue["code"] == "shsd")["waiting"] == 3


def test_password_guessing_is_limited(database_url, app):
    """Are repeated sign-in attempts from one client cut off?"""
    limited = _make_app(database_url, {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "2/minute"})
    client = limited.test_client()
    for _ in range(2):
        client.post("/api/v1/auth/token", json={"username": "clerk1", "password": "guess"})
    assert_error(
        client.post("/api/v1/auth/token", json={"username": "clerk1", "password": "demo"}),
        429,
        "rate_limited",
    )
