"""Staff users and the audit log through the administration API (SQLite and PostgreSQL)."""

from queue_server.accounts.models import User
from queue_server.extensions import db
from tests.admin.conftest import HALL_ADMIN
from tests.conftest import assert_error

NEW = {
    "username": "t_clerk",
    "name": "新窗口人员",
    "password": "first-passw0rd",
    "roles": ["clerk"],
    "hall": "xiqu",
    "department": "scjg",
}


def test_an_admin_hires_a_clerk_who_signs_in(app, admin):
    """Is a user created with a hashed password never answered, and may they sign in with it?"""
    user = admin("POST", "/admin/users", json=NEW, expect=201).get_json()
    assert user == {
        "username": "t_clerk",
        "name": "新窗口人员",
        "roles": ["clerk"],
        "hall": "xiqu",
        "department": "scjg",
        "active": True,
        "employee_no": None,
        "photo_at": None,
    }
    assert admin.token("t_clerk", "first-passw0rd")
    with app.app_context():
        stored = db.session.scalar(db.select(User).where(User.username == "t_clerk"))
        assert stored.password_hash != "first-passw0rd" and stored.check_password("first-passw0rd")
    assert_error(admin("POST", "/admin/users", json=NEW), 409, "conflict")
    listed = admin("GET", "/admin/users?q=t_clerk", expect=200).get_json()
    assert listed == {"items": [user], "total": 1}
    assert all(
        "password" not in str(entry) or entry["after"].get("password") == "已由管理员重设"
        for entry in admin.audit(object="user:t_clerk")["items"]
    )


def test_bad_users_are_refused_and_change_nothing(app, admin):
    """Are bad usernames, roles, halls, departments and short passwords 400 naming the field?"""
    before = admin.audit()["total"]
    for change, field in (
        ({"username": "a b"}, "username"),
        ({"roles": ["boss"]}, "roles.0"),
        ({"roles": ["clerk", "clerk"]}, "roles"),
        ({"hall": "nowhere"}, "hall"),
        ({"department": "nowhere"}, "department"),
        ({"password": "short"}, "password"),
    ):
        answer = admin("POST", "/admin/users", json={**NEW, **change})
        assert field in assert_error(answer, 400, "invalid_request")["fields"], change
    assert_error(admin("PATCH", "/admin/users/nobody", json={"name": "x"}), 404, "not_found")
    assert (
        "active"
        in assert_error(admin("PATCH", "/admin/users/clerk1", json={"active": None}), 400, "invalid_request")[
            "fields"
        ]
    )
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.username == "t_clerk")) is None
    assert admin.audit()["total"] == before


def test_a_disabled_user_is_refused_from_the_next_request(admin):
    """Does active: false refuse the user's token at once, and a password reset the old password?"""
    admin("POST", "/admin/users", json=NEW, expect=201)
    token = admin.token("t_clerk", "first-passw0rd")
    client = admin.api.client
    assert (
        client.get("/api/v1/halls/xiqu/windows", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    reset = admin(
        "PATCH", "/admin/users/t_clerk", json={"password": "second-passw0rd"}, expect=200
    ).get_json()
    assert "password" not in reset
    assert (
        client.get("/api/v1/halls/xiqu/windows", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": "t_clerk", "password": "first-passw0rd"}
        ).status_code
        == 401
    )
    token = admin.token("t_clerk", "second-passw0rd")
    disabled = admin("PATCH", "/admin/users/t_clerk", json={"active": False}, expect=200).get_json()
    assert disabled["active"] is False
    answer = client.get("/api/v1/halls/xiqu/windows", headers={"Authorization": f"Bearer {token}"})
    assert_error(answer, 401, "unauthorized")
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": "t_clerk", "password": "second-passw0rd"}
        ).status_code
        == 401
    )
    entries = admin.audit(object="user:t_clerk")["items"][:3]  # newest first; older tests' entries follow
    assert [entry["action"] for entry in entries] == ["user.updated", "user.updated", "user.created"]
    assert entries[0]["before"] == {"active": True} and entries[0]["after"] == {"active": False}
    assert entries[1]["after"] == {"password": "已由管理员重设"}


def test_the_last_active_admin_stays(admin):
    """Is taking admin away from, or disabling, the only active admin 409, and allowed once another exists?"""
    for change in ({"active": False}, {"roles": ["clerk"]}):
        assert_error(admin("PATCH", "/admin/users/admin", json=change), 409, "conflict")
    admin(
        "POST",
        "/admin/users",
        json={**NEW, "username": "t_admin2", "roles": ["admin"], "hall": None, "department": None},
        expect=201,
    )
    admin("PATCH", "/admin/users/t_admin2", json={"active": False}, expect=200)
    assert_error(admin("PATCH", "/admin/users/admin", json={"roles": ["supervisor"]}), 409, "conflict")
    admin("PATCH", "/admin/users/t_admin2", json={"active": True}, expect=200)


def test_a_hall_admin_manages_its_own_hall_and_never_grants_admin(admin):
    """May a hall admin hire and change staff of its hall only, and never grant or touch the admin role?"""
    admin.hall("t_other")
    made = admin(
        "POST", "/admin/users", as_user=HALL_ADMIN, json={**NEW, "roles": ["clerk", "hall_admin"]}, expect=201
    ).get_json()
    assert made["roles"] == ["clerk", "hall_admin"]
    admin("PATCH", "/admin/users/t_clerk", as_user=HALL_ADMIN, json={"name": "改名"}, expect=200)
    for body in (
        {**NEW, "username": "t_x", "hall": "t_other"},
        {**NEW, "username": "t_x", "hall": None},
        {**NEW, "username": "t_x", "roles": ["admin"]},
    ):
        assert_error(admin("POST", "/admin/users", as_user=HALL_ADMIN, json=body), 403, "forbidden")
    assert_error(
        admin("PATCH", "/admin/users/t_clerk", as_user=HALL_ADMIN, json={"roles": ["admin"]}),
        403,
        "forbidden",
    )
    assert_error(
        admin("PATCH", "/admin/users/t_clerk", as_user=HALL_ADMIN, json={"hall": "t_other"}), 403, "forbidden"
    )
    assert_error(
        admin("PATCH", "/admin/users/admin", as_user=HALL_ADMIN, json={"password": "taken-over-1"}),
        403,
        "forbidden",
    )
    admin("POST", "/admin/users", json={**NEW, "username": "t_far", "hall": "t_other"}, expect=201)
    assert_error(
        admin("PATCH", "/admin/users/t_far", as_user=HALL_ADMIN, json={"name": "x"}), 403, "forbidden"
    )
    seen = {
        user["username"] for user in admin("GET", "/admin/users?q=t_", as_user=HALL_ADMIN).get_json()["items"]
    }
    assert "t_clerk" in seen and "t_far" not in seen
    assert admin("GET", "/admin/users?q=clerk1", as_user=HALL_ADMIN).get_json()["total"] == 1
    assert {
        user["hall"]
        for user in admin("GET", "/admin/users?limit=200", as_user=HALL_ADMIN).get_json()["items"]
    } == {"xiqu"}


def test_the_audit_log_filters_and_follows_the_hall(admin):
    """Does GET /admin/audit filter by actor, object and dates, and show a hall admin its own hall's only?"""
    halls = admin.audit(object="hall:t_audit")["total"]
    users = admin.audit(as_user=HALL_ADMIN, object="user:t_clerk")["total"]
    admin.hall("t_audit")
    admin("POST", "/admin/users", as_user=HALL_ADMIN, json=NEW, expect=201)
    mine = admin.audit(actor=HALL_ADMIN)
    assert mine["total"] >= 1 and {entry["actor"] for entry in mine["items"]} == {HALL_ADMIN}
    assert admin.audit(object="hall:t_audit")["total"] == halls + 1
    assert admin.audit(as_user=HALL_ADMIN, object="hall:t_audit")["total"] == 0  # another hall's
    assert admin.audit(as_user=HALL_ADMIN, object="user:t_clerk")["total"] == users + 1
    today = admin.audit(object="hall:t_audit", **{"from": "2026-11-30", "to": "2026-11-30"})
    assert today["total"] == halls + 1 and today["items"][0]["at"].startswith("2026-11-30T09:00:00+08:00")
    assert admin.audit(object="hall:t_audit", **{"from": "2026-12-01"})["total"] == 0
    assert (
        "actor" in assert_error(admin("GET", "/admin/audit?actor=nobody"), 400, "invalid_request")["fields"]
    )
    assert (
        "to"
        in assert_error(admin("GET", "/admin/audit?from=2026-12-02&to=2026-12-01"), 400, "invalid_request")[
            "fields"
        ]
    )
    paged = admin.audit(limit=1)
    assert len(paged["items"]) == 1 and paged["total"] >= 3
