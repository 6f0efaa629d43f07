"""Staff sign-in with bearer tokens."""

from tests.conftest import assert_error


def test_token_for_demo_clerk(client):
    """Does a demo clerk get a token and their roles, hall and department?"""
    answer = client.post("/api/v1/auth/token", json={"username": "clerk1", "password": "demo"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["token"] and body["user"]["username"] == "clerk1"
    assert (
        body["user"]["roles"] == ["clerk"]
        and body["user"]["hall"] == "xiqu"
        and body["user"]["department"] is None
    )
    windows = client.get("/api/v1/halls/xiqu/windows", headers={"Authorization": f"Bearer {body['token']}"})
    assert windows.status_code == 200


def test_admin_holds_every_role_and_approver_has_department(client):
    """Does admin hold every role but the hall-scoped hall_admin, and an approver carry their department?"""
    admin = client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo"}).get_json()[
        "user"
    ]
    assert set(admin["roles"]) == {"clerk", "approver", "supervisor", "admin", "agent", "consultant"}
    approver = client.post(
        "/api/v1/auth/token", json={"username": "approver_scjg", "password": "demo"}
    ).get_json()["user"]
    assert approver["roles"] == ["approver"] and approver["department"] == "scjg"


def test_wrong_password_and_unknown_user(client):
    """Is a wrong password or an unknown user the same 401?"""
    wrong = client.post("/api/v1/auth/token", json={"username": "clerk1", "password": "nope"})
    unknown = client.post("/api/v1/auth/token", json={"username": "ghost", "password": "demo"})
    assert assert_error(wrong, 401, "unauthorized") == assert_error(unknown, 401, "unauthorized")
    assert wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]


def test_missing_credentials(client):
    """Is a body without a password a 400 naming it?"""
    details = assert_error(
        client.post("/api/v1/auth/token", json={"username": "clerk1"}), 400, "invalid_request"
    )
    assert set(details["fields"]) == {"password"}


def test_passwords_are_hashed(app):
    """Is no password stored in clear?"""
    from queue_server.accounts.models import User
    from queue_server.extensions import db

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "clerk1"))
        assert "demo" not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
