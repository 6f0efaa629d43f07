"""The supervisor's snapshot of a hall (GET /halls/{hall}/monitor) and its alerts (GET
/halls/{hall}/alerts)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from queue_server import scheduler
from queue_server.calendar import clock
from tests.api.test_openapi import _check
from tests.conftest import HALL_MORNING, assert_error

TZ = ZoneInfo("Asia/Shanghai")


def case_accepted_on(api, day: datetime) -> str:
    """Open and accept a 5-working-day case on a past day and have approver_scjg claim it."""
    now = clock.frozen_at()
    clock.freeze(day)
    case_no = api.open_case()["case_no"]
    api.fire(case_no, "accept", as_user="clerk1")
    api.fire(case_no, "claim", as_user="approver_scjg")
    clock.freeze(now)
    return case_no


@pytest.fixture
def busy_morning(app, api, advance):
    """Monday 09:00–09:15: four numbers in 商事登记 and one in 社会事务; window 1 served one, one missed
    its call and one is called now; a yellow and a red case; a bad rating of the served ticket."""
    red = case_accepted_on(api, datetime(2026, 11, 20, 10, 0, tzinfo=TZ))  # deadline Friday 11-27: past
    yellow = case_accepted_on(api, datetime(2026, 11, 23, 10, 0, tzinfo=TZ))  # deadline today
    served, missed, called, waiting = (api.take("shsd") for _ in range(4))
    api.take("shsw")
    window = api.open_window(1)
    advance(10)
    assert api.serve(window, minutes=5)["id"] == served["id"]
    api.post(f"/windows/{window}/call-next", as_user="clerk1")
    api.post(f"/tickets/{missed['id']}/no_show", as_user="clerk1")
    api.post(f"/windows/{window}/call-next", as_user="clerk1")
    rating = api.post(
        "/ratings",
        json={
            "ticket_id": served["id"],
            "token": served["rating_token"],
            "grade": 1,
            "comment": "等候时间太长",
        },
    )
    assert rating.status_code == 201, rating.get_json()
    with app.app_context():
        scheduler.sweep_case_lights(clock.now())
    return {"red": red, "yellow": yellow, "served": served, "called": called, "waiting": waiting}


def test_supervisor_sees_the_hall_at_a_glance(api, client, busy_morning):
    """Does the snapshot show queues and the longest wait, windows with clerk and ticket, today's figures,
    the yellow and red cases, the alerts, the bad rating and the chart series?"""
    answer = api.get("/halls/xiqu/monitor", as_user="supervisor1")
    assert answer.status_code == 200, answer.get_json()
    _check(client.get("/api/v1/openapi.json").get_json(), "get", "/api/v1/halls/{hall_code}/monitor", answer)
    body = answer.get_json()
    assert body["hall"] == {"code": "xiqu", "name": "中山市西区行政服务中心"}
    assert body["at"] == "2026-11-30T09:15:00+08:00"

    queues = {queue["code"]: queue for queue in body["queues"]}
    assert queues["shsd"]["waiting"] == 1 and queues["shsd"]["longest_wait_s"] == 15 * 60
    assert queues["shsd"]["avg_wait_s"] == round((600 + 900 + 900) / 3)  # first calls at 09:10, 09:15, 09:15
    assert (
        queues["shsw"]["waiting"] == 1
        and queues["rsyb"]["waiting"] == 0
        and queues["rsyb"]["longest_wait_s"] == 0
    )

    windows = {window["number"]: window for window in body["windows"]}
    assert windows[1]["status"] == "open" and windows[1]["clerk"] == "陈嘉欣"
    assert windows[1]["ticket"]["number"] == busy_morning["called"]["number"]
    assert windows[1]["ticket"]["state"] == "called"
    assert windows[2]["status"] == "closed" and windows[2]["ticket"] is None

    assert body["today"] == {
        "issued": 5,
        "waiting": 2,
        "served": 1,
        "no_show": 1,
        "expired": 0,
        "avg_wait_s": 800,
        "avg_service_s": 300,
    }

    cases = body["cases"]
    assert (cases["running"], cases["green"], cases["yellow"], cases["red"]) == (2, 0, 1, 1)
    assert [(c["case_no"], c["light"]) for c in cases["items"]] == [
        (busy_morning["red"], "red"),
        (busy_morning["yellow"], "yellow"),
    ]
    assert cases["items"][0]["department"] == "scjg"
    assert cases["items"][0]["assignee"] == {
        "username": "approver_scjg",
        "name": cases["items"][0]["assignee"]["name"],
    }

    assert sorted((a["case_no"], a["light"]) for a in body["alerts"]) == sorted(
        [(busy_morning["red"], "red"), (busy_morning["yellow"], "yellow")]
    )

    [bad] = body["bad_ratings"]
    assert (bad["grade"], bad["comment"], bad["ticket_number"], bad["window_number"]) == (
        1,
        "等候时间太长",
        busy_morning["served"]["number"],
        1,
    )
    assert bad["rectification"]["state"] == "open"

    charts = body["charts"]
    nine = next(row for row in charts["tickets_per_hour"] if row["hour"] == "09:00")
    assert nine == {"hour": "09:00", "issued": 5, "served": 1, "windows": 1}
    assert (
        charts["tickets_per_hour"][0]["hour"] == "08:00" and charts["tickets_per_hour"][-1]["hour"] == "17:00"
    )
    assert {m["mode"]: m["count"] for m in charts["cases_by_mode"]["modes"]}["once"] == 2
    assert charts["on_time"]["decided"] == 0 and charts["on_time"]["rate"] is None
    assert charts["ratings_by_day"][-1] == {"date": "2026-11-30", "count": 1, "average": 1.0, "bad": 1}


def test_on_time_rate_counts_decided_cases(api, advance):
    """Is a case decided on or before its deadline counted on time, and one decided after it late?"""
    late = case_accepted_on(api, datetime(2026, 11, 20, 10, 0, tzinfo=TZ))
    in_time = case_accepted_on(api, datetime(2026, 11, 27, 10, 0, tzinfo=TZ))
    for case_no in (late, in_time):
        api.fire(case_no, "approve", as_user="approver_scjg", note="符合条件，准予许可")
    on_time = api.get("/halls/xiqu/monitor", as_user="supervisor1").get_json()["charts"]["on_time"]
    assert (on_time["decided"], on_time["on_time"], on_time["rate"]) == (2, 1, 0.5)
    assert on_time["weeks"][-1]["decided"] == 2


def test_alerts_newest_first_with_a_limit(app, api, client):
    """Does GET /alerts list the changes to yellow and red newest first, as many as asked?"""
    case_no = case_accepted_on(api, HALL_MORNING)
    for day in (datetime(2026, 12, 4, 10, 0, tzinfo=TZ), datetime(2026, 12, 8, 10, 0, tzinfo=TZ)):
        clock.freeze(day)
        with app.app_context():
            scheduler.sweep_case_lights(clock.now())
    answer = api.get("/halls/xiqu/alerts", as_user="admin")
    _check(client.get("/api/v1/openapi.json").get_json(), "get", "/api/v1/halls/{hall_code}/alerts", answer)
    assert [(a["case_no"], a["light"], a["at"]) for a in answer.get_json()] == [
        (case_no, "red", "2026-12-08T10:00:00+08:00"),
        (case_no, "yellow", "2026-12-04T10:00:00+08:00"),
    ]
    assert [a["light"] for a in api.get("/halls/xiqu/alerts?limit=1", as_user="admin").get_json()] == ["red"]
    details = assert_error(api.get("/halls/xiqu/alerts?limit=0", as_user="admin"), 400, "invalid_request")
    assert "limit" in details["fields"]


@pytest.mark.parametrize("path", ["/halls/xiqu/monitor", "/halls/xiqu/alerts"])
def test_only_supervisors_and_admins_of_the_hall(api, other_hall, path):
    """Who may watch the hall: 401 without a token, 403 for a clerk, an approver or another hall's staff,
    404 for no hall?"""
    assert_error(api.get(path), 401, "unauthorized")
    for user in ("clerk1", "approver_scjg"):
        assert_error(api.get(path, as_user=user), 403, "forbidden")
    assert api.get(path, as_user="admin").status_code == 200
    assert api.get(path, as_user="supervisor1").status_code == 200
    assert_error(api.get(path.replace("xiqu", other_hall), as_user="supervisor1"), 403, "forbidden")
    assert_error(api.get(path.replace("xiqu", "nowhere"), as_user="supervisor1"), 404, "not_found")
