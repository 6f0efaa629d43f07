"""The working-day calendar through the administration API (SQLite and PostgreSQL)."""

import json
from io import BytesIO

import pytest

from tests.admin.conftest import HALL_ADMIN
from tests.conftest import assert_error, web_login

SCHEDULE = {
    "announced_years": [2027],
    "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
    "days": [
        {"date": "2027-01-01", "working": False, "name": "元旦"},
        {"date": "2027-02-20", "working": True, "name": "春节调休上班"},
    ],
}


def _deadline(admin, start: str, workdays: int) -> dict:
    answer = admin.api.client.get(f"/api/v1/calendar/deadline?start={start}&workdays={workdays}")
    assert answer.status_code == 200
    return answer.get_json()


def _import(admin, content: bytes, as_user: str = "admin"):
    return admin.upload("/admin/calendar/import", {"file": (BytesIO(content), "calendar.json")}, as_user)


def _file(schedule: dict) -> bytes:
    return json.dumps(schedule, ensure_ascii=False).encode("utf-8")


def test_a_make_up_day_changes_the_deadline_at_once(admin):
    """Does a Saturday set as a working day (调休上班) count in the next deadline, and its removal undo it?"""
    assert _deadline(admin, "2026-11-06", 1)["deadline"] == "2026-11-09"
    day = admin(
        "PUT", "/admin/calendar/days/2026-11-07", json={"working": True, "name": "调休上班"}, expect=200
    )
    assert day.get_json() == {"date": "2026-11-07", "working": True, "name": "调休上班"}
    assert _deadline(admin, "2026-11-06", 1)["deadline"] == "2026-11-07"

    admin("PUT", "/admin/calendar/days/2026-11-07", json={"working": False, "name": "临时休息"}, expect=200)
    admin("PUT", "/admin/calendar/days/2026-11-09", json={"working": False}, expect=200)
    assert _deadline(admin, "2026-11-06", 1)["deadline"] == "2026-11-10"
    year = admin("GET", "/admin/calendar/2026", expect=200).get_json()
    assert [(d["date"], d["working"], d["name"]) for d in year["days"]] == [
        ("2026-11-07", False, "临时休息"),
        ("2026-11-09", False, None),
    ]

    admin("DELETE", "/admin/calendar/days/2026-11-07", expect=204)
    admin("DELETE", "/admin/calendar/days/2026-11-09", expect=204)
    assert_error(admin("DELETE", "/admin/calendar/days/2026-11-09"), 404, "not_found")
    assert _deadline(admin, "2026-11-06", 1)["deadline"] == "2026-11-09"
    assert admin("GET", "/admin/calendar/2026", expect=200).get_json()["days"] == []

    entries = admin.audit(object="calendar:2026-11-07")["items"]
    assert [entry["action"] for entry in entries][:3] == [
        "calendar_day.deleted",
        "calendar_day.updated",
        "calendar_day.created",
    ]
    assert entries[1]["before"] == {"working": True, "name": "调休上班"}
    assert entries[1]["after"] == {"working": False, "name": "临时休息"}


def test_import_confirms_the_year_with_its_source(admin):
    """Does importing a year's schedule load its days and mark the year confirmed by its announcement?"""
    before = admin("GET", "/admin/calendar/2027", expect=200).get_json()
    assert before["confirmed"] is False and before["source"] is None and before["days"] == []
    assert _deadline(admin, "2026-12-28", 5)["confirmed"] is False
    library = admin("GET", "/admin/calendar/2026", expect=200).get_json()
    assert library["confirmed"] is True and library["announced"] is False and library["source"]

    answer = _import(admin, _file(SCHEDULE))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {"days": 2, "years": [2027], "source": SCHEDULE["source"]}
    year = admin("GET", "/admin/calendar/2027", expect=200).get_json()
    assert year["confirmed"] is True and year["announced"] is True and year["source"] == SCHEDULE["source"]
    assert [d["date"] for d in year["days"]] == ["2027-01-01", "2027-02-20"]
    assert _deadline(admin, "2026-12-28", 5)["confirmed"] is True
    assert _deadline(admin, "2027-02-19", 1)["deadline"] == "2027-02-20"
    entry = admin.audit(object="calendar:2027")["items"][0]
    assert entry["action"] == "calendar.imported" and entry["after"]["days"] == 2


def test_an_import_with_a_bad_day_changes_nothing(admin):
    """Does one bad day refuse the whole file, naming every bad day and why?"""
    schedule = {
        **SCHEDULE,
        "days": [
            {"date": "2027-01-01", "working": False, "name": "元旦"},
            {"date": "2027-02-30", "working": True},
            {"date": "2027-03-01", "working": "maybe"},
            {"date": "2027-01-01", "working": True},
            {"date": "2027-04-04", "working": False, "holiday": "清明节"},
        ],
    }
    logged = admin.audit(object="calendar:")["total"]
    details = assert_error(_import(admin, _file(schedule)), 400, "invalid_request")
    assert [bad["index"] for bad in details["days"]] == [2, 3, 4, 5]
    assert details["days"][0]["date"] == "2027-02-30" and details["days"][0]["why"]
    assert "第 1 项" in details["days"][2]["why"]
    year = admin("GET", "/admin/calendar/2027", expect=200).get_json()
    assert year["confirmed"] is False and year["days"] == []
    assert admin.audit(object="calendar:")["total"] == logged


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"not json", "file"),
        (b"[1, 2]", "file"),
        (_file({"announced_years": [2027], "days": SCHEDULE["days"]}), "source"),
        (_file({"source": "x"}), "days"),
        (_file({**SCHEDULE, "announced_years": [1999]}), "announced_years"),
        (_file({**SCHEDULE, "extra": 1}), "extra"),
    ],
)
def test_a_bad_file_is_refused(admin, content, field):
    """Is a file that is not a schedule refused beside its field, nothing loaded?"""
    details = assert_error(_import(admin, content), 400, "invalid_request")
    assert field in details["fields"]
    assert admin("GET", "/admin/calendar/2027", expect=200).get_json()["confirmed"] is False


def test_bad_days_and_bodies_change_nothing(admin):
    """Are a bad date, year or body refused (400) and the calendar left as it was?"""
    for path, body, field in [
        ("/admin/calendar/days/2026-13-01", {"working": True}, "day"),
        ("/admin/calendar/days/26-11-07", {"working": True}, "day"),
        ("/admin/calendar/days/1999-11-07", {"working": True}, "day"),
        ("/admin/calendar/days/2026-11-07", {"working": "yes"}, "working"),
        ("/admin/calendar/days/2026-11-07", {}, "working"),
        ("/admin/calendar/days/2026-11-07", {"working": True, "name": "x" * 51}, "name"),
        ("/admin/calendar/days/2026-11-07", {"working": True, "other": 1}, "other"),
    ]:
        details = assert_error(admin("PUT", path, json=body), 400, "invalid_request")
        assert field in details["fields"], (path, body, details)
    assert_error(admin("GET", "/admin/calendar/1999"), 400, "invalid_request")
    assert_error(admin("DELETE", "/admin/calendar/days/2026-02-31"), 400, "invalid_request")
    assert admin("GET", "/admin/calendar/2026", expect=200).get_json()["days"] == []
    assert _deadline(admin, "2026-11-06", 1)["deadline"] == "2026-11-09"


@pytest.mark.parametrize("user", [HALL_ADMIN, "clerk1", "supervisor1"])
def test_only_administrators_keep_the_calendar(admin, user):
    """Are a hall admin and other staff refused (403) everywhere in the calendar, and anonymous users 401?"""
    assert_error(admin("GET", "/admin/calendar/2026", as_user=user), 403, "forbidden")
    put = admin("PUT", "/admin/calendar/days/2026-11-07", as_user=user, json={"working": True})
    assert_error(put, 403, "forbidden")
    assert_error(admin("DELETE", "/admin/calendar/days/2026-11-07", as_user=user), 403, "forbidden")
    assert_error(_import(admin, _file(SCHEDULE), as_user=user), 403, "forbidden")
    assert_error(admin("GET", "/admin/calendar/2026", as_user=None), 401, "unauthorized")
    assert_error(
        admin("PUT", "/admin/calendar/days/2026-11-07", as_user=None, json={"working": True}),
        401,
        "unauthorized",
    )
    assert _deadline(admin, "2026-11-06", 1)["deadline"] == "2026-11-09"
    assert admin("GET", "/admin/calendar/2027", expect=200).get_json()["confirmed"] is False


def test_only_the_administrators_console_has_the_calendar_tab(app, admin, client):
    """Does the console offer 工作日历 to an administrator and not to a hall admin?"""
    web_login(client, "admin")
    assert 'id="tab-calendar"' in client.get("/admin/").get_data(as_text=True)
    other = app.test_client()
    web_login(other, HALL_ADMIN)
    text = other.get("/admin/").get_data(as_text=True)
    assert "管理后台" in text and 'id="tab-calendar"' not in text
