"""Halls, departments, queues and windows through the administration API (SQLite and PostgreSQL)."""

from datetime import timedelta

from queue_server.extensions import db
from queue_server.queue.models import Hall
from tests.admin.conftest import HALL_ADMIN, WEEK
from tests.conftest import assert_error


def test_an_admin_creates_and_changes_a_hall(admin):
    """Does POST /admin/halls answer the hall, PATCH change any field but the code, both audited?"""
    hall = admin.hall("t_nanqu", address="中山市南区城南五路", phone="0760-88888888", hours=WEEK)
    assert hall == {
        "code": "t_nanqu",
        "name": "测试大厅 t_nanqu",
        "address": "中山市南区城南五路",
        "phone": "0760-88888888",
        "level": "district",
        "parent": None,
        "hours": WEEK,
    }
    community = admin.hall("t_sq", level="community", parent="t_nanqu")
    assert community["parent"] == "t_nanqu" and community["hours"] is None

    changed = admin(
        "PATCH", "/admin/halls/t_nanqu", json={"name": "南区行政服务中心", "hours": None}, expect=200
    ).get_json()
    assert changed["name"] == "南区行政服务中心" and changed["hours"] is None and changed["code"] == "t_nanqu"
    listed = admin("GET", "/admin/halls?q=南区", expect=200).get_json()
    assert [item["code"] for item in listed["items"]] == ["t_nanqu"] and listed["total"] == 1

    entries = admin.audit(object="hall:t_nanqu")["items"][:2]  # newest first; older tests' entries follow
    assert [entry["action"] for entry in entries] == ["hall.updated", "hall.created"]
    assert entries[0]["actor"] == "admin"
    assert entries[0]["before"] == {"name": "测试大厅 t_nanqu", "hours": WEEK}
    assert entries[0]["after"] == {"name": "南区行政服务中心", "hours": None}
    assert entries[1]["before"] is None and entries[1]["after"]["phone"] == "0760-88888888"


def test_bad_halls_are_refused_and_change_nothing(app, admin):
    """Are bad hours, levels and parents 400 naming the field, a taken code 409, and nothing kept?"""
    before = admin.audit()["total"]

    def refused(method: str, path: str, body: dict) -> set:
        """The fields a 400 answer names."""
        return set(assert_error(admin(method, path, json=body), 400, "invalid_request")["fields"])

    late = {**WEEK, "1": {"open": "08:30", "last_ticket": "17:30", "close": "17:00"}}
    fields = refused("POST", "/admin/halls", {"code": "t_x", "name": "x", "hours": late})
    assert fields == {"hours.1.last_ticket"}
    short = {key: value for key, value in WEEK.items() if key != "7"}
    bad_time = {**WEEK, "2": {"open": "8:30", "last_ticket": "16:30", "close": "17:00"}}
    for body, field in (
        ({"hours": short}, "hours"),
        ({"hours": bad_time}, "hours.2.open"),
        ({}, "hours"),
        ({"hours": None, "level": "community"}, "parent"),
        ({"hours": None, "parent": "nowhere"}, "parent"),
        ({"hours": None, "level": "station", "parent": "xiqu"}, "parent"),
        ({"hours": None, "level": "city"}, "level"),
    ):
        assert field in refused("POST", "/admin/halls", {"code": "t_x", "name": "x", **body}), body
    assert_error(
        admin("POST", "/admin/halls", json={"code": "xiqu", "name": "x", "hours": None}), 409, "conflict"
    )
    assert "name" in refused("PATCH", "/admin/halls/xiqu", {"name": ""})
    assert "code" in refused("PATCH", "/admin/halls/xiqu", {"code": "new"})
    assert_error(admin("PATCH", "/admin/halls/nowhere", json={"name": "x"}), 404, "not_found")
    with app.app_context():
        assert db.session.scalar(db.select(Hall).where(Hall.code == "t_x")) is None
        assert db.session.scalar(db.select(Hall.name).where(Hall.code == "xiqu")) == "中山市西区行政服务中心"
    assert admin.audit()["total"] == before


def test_who_may_administer_halls(admin):
    """May a hall admin change its own hall only, never create halls or departments; others nothing at all?"""
    admin.hall("t_other")
    assert admin("PATCH", "/admin/halls/xiqu", as_user=HALL_ADMIN, json={"phone": "0760-1"}, expect=200)
    assert_error(
        admin("PATCH", "/admin/halls/t_other", as_user=HALL_ADMIN, json={"phone": "1"}), 403, "forbidden"
    )
    assert_error(
        admin("POST", "/admin/halls", as_user=HALL_ADMIN, json={"code": "t_y", "name": "y", "hours": None}),
        403,
        "forbidden",
    )
    assert_error(
        admin("POST", "/admin/departments", as_user=HALL_ADMIN, json={"code": "t_d", "name": "d"}),
        403,
        "forbidden",
    )
    assert_error(
        admin(
            "POST",
            "/admin/halls/t_other/queues",
            as_user=HALL_ADMIN,
            json={"code": "t_q", "name": "q", "prefix": "Q"},
        ),
        403,
        "forbidden",
    )
    assert_error(admin("GET", "/admin/halls/t_other/windows", as_user=HALL_ADMIN), 403, "forbidden")
    assert [
        hall["code"] for hall in admin("GET", "/admin/halls", as_user=HALL_ADMIN).get_json()["items"]
    ] == ["xiqu"]
    for user in ("clerk1", "supervisor1", "approver_scjg", "agent1"):
        for method, path in (
            ("GET", "/admin/halls"),
            ("PATCH", "/admin/halls/xiqu"),
            ("GET", "/admin/audit"),
            ("GET", "/admin/users"),
            ("POST", "/admin/halls/xiqu/queues"),
        ):
            assert_error(admin(method, path, as_user=user, json={}), 403, "forbidden")
    assert_error(admin("GET", "/admin/halls", as_user=None), 401, "unauthorized")


def test_departments(admin):
    """Does an admin add a department (409 on a taken code) and find it in the list?"""
    made = admin(
        "POST", "/admin/departments", json={"code": "t_gaj", "name": "测试公安分局"}, expect=201
    ).get_json()
    assert made == {"code": "t_gaj", "name": "测试公安分局"}
    assert_error(admin("POST", "/admin/departments", json={"code": "t_gaj", "name": "x"}), 409, "conflict")
    assert_error(admin("POST", "/admin/departments", json={"code": "", "name": "x"}), 400, "invalid_request")
    page = admin("GET", "/admin/departments?q=测试公安", expect=200).get_json()
    assert page["total"] == 1 and page["items"] == [made]
    paged = admin("GET", "/admin/departments?limit=1&offset=1", expect=200).get_json()
    assert len(paged["items"]) == 1 and paged["total"] >= 3


def test_queues_and_what_blocks_their_deletion(app, admin, api, advance):
    """Is a queue added (409 on a taken code or prefix), and its deletion refused while today's tickets,
    running cases or windows use it, allowed otherwise (retired when older tickets name it)?"""
    admin.hall("t_nanqu")
    made = admin(
        "POST", "/admin/halls/t_nanqu/queues", json={"code": "t_a", "name": "综合", "prefix": "a"}, expect=201
    ).get_json()
    assert made == {"code": "t_a", "name": "综合", "prefix": "A"}
    taken = assert_error(
        admin("POST", "/admin/halls/t_nanqu/queues", json={"code": "t_a", "name": "x", "prefix": "A"}),
        409,
        "conflict",
    )
    assert set(taken["fields"]) == {"code", "prefix"}
    assert_error(
        admin("POST", "/admin/halls/t_nanqu/queues", json={"code": "t_b", "name": "x", "prefix": "1"}),
        400,
        "invalid_request",
    )

    blocked = assert_error(admin("DELETE", "/admin/halls/xiqu/queues/shsd"), 409, "conflict")["blocked_by"]
    assert blocked["windows"]
    api.take("shsd")
    assert (
        assert_error(admin("DELETE", "/admin/halls/xiqu/queues/shsd"), 409, "conflict")["blocked_by"][
            "tickets"
        ]
        == 1
    )

    admin(
        "POST", "/admin/halls/t_nanqu/queues", json={"code": "t_b", "name": "社保", "prefix": "B"}, expect=201
    )
    assert admin("POST", "/halls/t_nanqu/tickets", as_user=None, json={"queue": "t_a"}, expect=201)
    assert assert_error(admin("DELETE", "/admin/halls/t_nanqu/queues/t_a"), 409, "conflict")[
        "blocked_by"
    ] == {"tickets": 1}
    admin("DELETE", "/admin/halls/t_nanqu/queues/t_b", expect=204)
    assert_error(admin("DELETE", "/admin/halls/t_nanqu/queues/t_b"), 404, "not_found")

    advance(24 * 60)  # tomorrow: yesterday's ticket no longer blocks; the queue is retired, its code free
    admin("DELETE", "/admin/halls/t_nanqu/queues/t_a", expect=204)
    assert admin("GET", "/halls/t_nanqu/queues", as_user=None, expect=200).get_json() == []
    assert admin("GET", "/admin/halls/t_nanqu/queues", expect=200).get_json() == {"items": [], "total": 0}
    admin(
        "POST", "/admin/halls/t_nanqu/queues", json={"code": "t_a", "name": "综合", "prefix": "A"}, expect=201
    )
    actions = [entry["action"] for entry in admin.audit(object="queue:t_nanqu/")["items"][:5]]
    assert actions == ["queue.created", "queue.deleted", "queue.deleted", "queue.created", "queue.created"]


def test_windows_serve_their_queues_in_order_from_the_next_call(app, admin, monkeypatch):
    """Does a window keep its queues in order, and does a change apply at its next call-next, told live?"""
    admin.hall("t_nanqu")
    for code, prefix in (("t_a", "A"), ("t_b", "B")):
        admin(
            "POST",
            "/admin/halls/t_nanqu/queues",
            json={"code": code, "name": code, "prefix": prefix},
            expect=201,
        )
    window = admin(
        "POST",
        "/admin/halls/t_nanqu/windows",
        json={"number": 1, "name": "综合窗口", "queues": ["t_b", "t_a"]},
        expect=201,
    ).get_json()
    assert {key: window[key] for key in ("hall", "number", "queues", "pickup", "status")} == {
        "hall": "t_nanqu",
        "number": 1,
        "queues": ["t_b", "t_a"],
        "pickup": False,
        "status": "closed",
    }
    stored = admin("GET", "/admin/halls/t_nanqu/windows", expect=200).get_json()["items"][0]
    assert stored["queues"] == ["t_b", "t_a"]  # the order given, read back from the database
    assert_error(
        admin("POST", "/admin/halls/t_nanqu/windows", json={"number": 1, "name": "x", "queues": []}),
        409,
        "conflict",
    )
    assert (
        "queues"
        in assert_error(
            admin(
                "POST", "/admin/halls/t_nanqu/windows", json={"number": 2, "name": "x", "queues": ["shsd"]}
            ),
            400,
            "invalid_request",
        )["fields"]
    )
    admin(
        "POST",
        "/admin/users",
        json={
            "username": "t_clerk",
            "name": "南区窗口",
            "password": "passw0rd!",
            "roles": ["clerk"],
            "hall": "t_nanqu",
        },
        expect=201,
    )
    clerk = {"Authorization": "Bearer " + admin.token("t_clerk", "passw0rd!")}
    client = admin.api.client
    assert (
        client.post(
            f"/api/v1/windows/{window['id']}/status", json={"status": "open"}, headers=clerk
        ).status_code
        == 200
    )

    sent = []
    monkeypatch.setattr(
        "queue_server.realtime.events.socketio.emit",
        lambda name, payload, to: sent.append((name, payload, to)),
    )
    changed = admin(
        "PATCH", f"/admin/windows/{window['id']}", json={"queues": ["t_a"], "pickup": True}, expect=200
    ).get_json()
    assert changed["queues"] == ["t_a"] and changed["pickup"] is True and changed["status"] == "open"
    notices = [payload for name, payload, _ in sent if name == "window_updated"]
    assert notices and notices[-1]["window"]["queues"] == ["t_a"] and notices[-1]["hall"] == "t_nanqu"

    admin("POST", "/halls/t_nanqu/tickets", as_user=None, json={"queue": "t_b"}, expect=201)
    assert client.post(f"/api/v1/windows/{window['id']}/call-next", headers=clerk).status_code == 204
    admin("PATCH", f"/admin/windows/{window['id']}", json={"queues": ["t_a", "t_b"]}, expect=200)
    called = client.post(f"/api/v1/windows/{window['id']}/call-next", headers=clerk)
    assert called.status_code == 200 and called.get_json()["number"] == "B001"
    listed = admin("GET", "/admin/halls/t_nanqu/windows?q=综合", expect=200).get_json()
    assert listed["total"] == 1 and listed["items"][0]["queues"] == ["t_a", "t_b"]

    before = admin.audit()["total"]
    answer = admin(
        "PATCH", f"/admin/windows/{window['id']}", json={"queues": ["t_a", "nope"], "name": "改名"}
    )
    assert "queues" in assert_error(answer, 400, "invalid_request")["fields"]
    assert (
        admin("GET", "/admin/halls/t_nanqu/windows", expect=200).get_json()["items"][0]["name"] == "综合窗口"
    )
    assert admin.audit()["total"] == before
    assert_error(admin("PATCH", "/admin/windows/999999", json={"name": "x"}), 404, "not_found")
    assert_error(
        admin("PATCH", f"/admin/windows/{window['id']}", as_user=HALL_ADMIN, json={"name": "x"}),
        403,
        "forbidden",
    )


def test_the_kiosk_issues_tickets_only_within_the_hall_hours(app, admin, advance):
    """Are tickets refused before opening, after 取号截止, on closed days and holidays, saying when again?"""
    from queue_server.calendar import clock

    admin.hall("t_nanqu", hours=WEEK)
    admin(
        "POST", "/admin/halls/t_nanqu/queues", json={"code": "t_a", "name": "综合", "prefix": "A"}, expect=201
    )

    def take():
        return admin("POST", "/halls/t_nanqu/tickets", as_user=None, json={"queue": "t_a"})

    assert take().status_code == 201  # Monday 09:00
    advance(7 * 60 + 31)  # 16:31, after 取号截止 16:30
    details = assert_error(late := take(), 409, "conflict")
    assert "16:30 截止" in late.get_json()["error"]["message"]
    assert "明天" in late.get_json()["error"]["message"] and "08:30" in late.get_json()["error"]["message"]
    assert details["next_issue_at"] == "2026-12-01T08:30:00+08:00"

    start = clock.frozen_at()
    clock.freeze(start.replace(hour=7, minute=0) + timedelta(days=1))  # Tuesday 07:00
    early = take()
    assert_error(early, 409, "conflict")
    assert "今天 08:30 开始取号" in early.get_json()["error"]["message"]
    clock.freeze(start + timedelta(days=5))  # Saturday: closed until Monday
    weekend = take()
    assert assert_error(weekend, 409, "conflict")["next_issue_at"] == "2026-12-07T08:30:00+08:00"
    assert "12月7日（星期一）" in weekend.get_json()["error"]["message"]
    clock.freeze(start.replace(month=10, day=1, hour=10, minute=0))  # 国庆节, a Thursday
    holiday = take()
    assert_error(holiday, 409, "conflict")
    assert "国庆" in holiday.get_json()["error"]["message"]
    assert admin("POST", "/halls/xiqu/tickets", as_user=None, json={"queue": "shsd"}).status_code == 201
