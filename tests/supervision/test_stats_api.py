"""五办 figures: a small scenario whose answers are counted by hand, by group, and as CSV and XLSX files."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from queue_server.calendar import clock
from queue_server.supervision.stats import EXPORT_COLUMNS
from tests.conftest import APPLICANT_PHONE, assert_error

OPINION = "材料齐全，符合法定条件，准予许可。"
PERIOD = "from=2026-11-30&to=2026-12-31"


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> None:
    clock.freeze(datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai")))


def rate(api, body: dict) -> int:
    """Post a rating (as the ticket's holder or the case's applicant); return the status."""
    return api.post("/ratings", json=body).status_code


@pytest.fixture
def scenario(api):
    """Three tickets, three cases, three ratings in the period, and one ticket with its rating after it.

    Monday 2026-11-30, tickets issued at 09:00:
      T1 (商事登记) called 09:05 at window 1 (clerk1), started 09:05, finished 09:15:
          wait 300 s, service 600 s
      T2 (商事登记) called 09:10 at window 2 (clerk2), started 09:10, finished 09:25:
          wait 600 s, service 900 s
      T3 (社会事务) called 09:20 at window 4 (clerk3), no-show 09:22:                wait 1200 s
    Cases opened by clerk1 at 10:00: A 马上办 completed on the spot (on time); B 一次办 accepted (due
    12-07), approved 12-08 (late); C 一次办 not accepted yet.
    Ratings: T1 5 and A 4 on 11-30, T2 2 on 12-01. On 2027-01-04 a ticket is served and rated 1 (outside).
    """
    windows = {
        1: api.open_window(1, "clerk1"),
        2: api.open_window(2, "clerk2"),
        4: api.open_window(4, "clerk3"),
    }
    at(11, 30, 9)
    t1, t2, t3 = api.take("shsd"), api.take("shsd"), api.take("shsw")

    def step(month, day, hour, minute, path, clerk, year=2026):
        at(month, day, hour, minute, year)
        answer = api.post(path, as_user=clerk)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    assert step(11, 30, 9, 5, f"/windows/{windows[1]}/call-next", "clerk1")["id"] == t1["id"]
    step(11, 30, 9, 5, f"/tickets/{t1['id']}/start", "clerk1")
    assert step(11, 30, 9, 10, f"/windows/{windows[2]}/call-next", "clerk2")["id"] == t2["id"]
    step(11, 30, 9, 10, f"/tickets/{t2['id']}/start", "clerk2")
    step(11, 30, 9, 15, f"/tickets/{t1['id']}/finish", "clerk1")
    assert step(11, 30, 9, 20, f"/windows/{windows[4]}/call-next", "clerk3")["id"] == t3["id"]
    step(11, 30, 9, 22, f"/tickets/{t3['id']}/no_show", "clerk3")
    step(11, 30, 9, 25, f"/tickets/{t2['id']}/finish", "clerk2")

    at(11, 30, 10)
    case_a = api.open_case(service="SCJG-004", mode="immediate", delivery={"method": "pickup"})
    api.fire(case_a["case_no"], "complete_on_spot", as_user="clerk1")
    case_b = api.open_case()
    api.fire(case_b["case_no"], "accept", as_user="clerk1")
    api.fire(case_b["case_no"], "claim", as_user="approver_scjg")
    api.open_case()

    at(11, 30, 11)
    assert rate(api, {"ticket_id": t1["id"], "token": t1["rating_token"], "grade": 5}) == 201
    assert rate(api, {"case_no": case_a["case_no"], "phone": APPLICANT_PHONE, "grade": 4}) == 201
    at(12, 1, 9)
    assert rate(api, {"ticket_id": t2["id"], "token": t2["rating_token"], "grade": 2}) == 201
    at(12, 8, 10)
    assert api.fire(case_b["case_no"], "approve", as_user="approver_scjg", note=OPINION)["on_time"] is False

    at(1, 4, 9, year=2027)
    t4 = api.take("shsd")
    step(1, 4, 9, 1, f"/windows/{windows[1]}/call-next", "clerk1", 2027)
    step(1, 4, 9, 1, f"/tickets/{t4['id']}/start", "clerk1", 2027)
    step(1, 4, 9, 2, f"/tickets/{t4['id']}/finish", "clerk1", 2027)
    assert rate(api, {"ticket_id": t4["id"], "token": t4["rating_token"], "grade": 1}) == 201
    return api


NO_CASES = {"immediate": 0, "online": 0, "once": 0, "agent": 0, "citywide": 0, "bundle": 0}
NO_RATINGS_BY_GRADE = {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}


def test_figures_match_the_hand_count(scenario):
    """Do the period's figures equal the hand count (contract fields and the project's extras)?"""
    figures = scenario.get(f"/halls/xiqu/stats?{PERIOD}", as_user="supervisor1").get_json()
    assert figures["from"] == "2026-11-30" and figures["to"] == "2026-12-31" and figures["group_by"] is None
    assert figures["tickets"] == {
        "issued": 3,
        "served": 2,
        "no_show": 1,
        "avg_wait_s": 700,
        "avg_service_s": 750,
    }
    assert figures["cases"] == {
        "by_mode": {**NO_CASES, "immediate": 1, "once": 2},
        "created": 3,
        "decided": 2,
        "on_time": 1,
        "on_time_rate": 0.5,
        "citywide": 0,  # all three belong to the hall's own district
        "no_visit": 0,  # none came in online
    }
    assert figures["ratings"] == {
        "count": 3,
        "average": 3.67,
        "bad": 1,
        "by_grade": {**NO_RATINGS_BY_GRADE, "2": 1, "4": 1, "5": 1},
    }
    assert "groups" not in figures


def test_figures_count_by_the_date_of_each_event(scenario):
    """On 11-30 alone: the tickets and cases are in, B's late decision (12-08) and T2's rating (12-01) are
    not."""
    figures = scenario.get(
        "/halls/xiqu/stats?from=2026-11-30&to=2026-11-30", as_user="supervisor1"
    ).get_json()
    assert figures["tickets"]["issued"] == 3
    assert (
        figures["cases"]["created"] == 3
        and figures["cases"]["decided"] == 1
        and figures["cases"]["on_time_rate"] == 1.0
    )
    assert (
        figures["ratings"]["count"] == 2
        and figures["ratings"]["average"] == 4.5
        and figures["ratings"]["bad"] == 0
    )

    january = scenario.get(
        "/halls/xiqu/stats?from=2027-01-01&to=2027-01-31", as_user="supervisor1"
    ).get_json()
    assert january["tickets"] == {
        "issued": 1,
        "served": 1,
        "no_show": 0,
        "avg_wait_s": 60,
        "avg_service_s": 60,
    }
    assert january["cases"]["created"] == 0 and january["cases"]["on_time_rate"] is None
    assert january["ratings"]["count"] == 1 and january["ratings"]["bad"] == 1


def _groups(api, by: str) -> dict:
    figures = api.get(f"/halls/xiqu/stats?{PERIOD}&group_by={by}", as_user="supervisor1").get_json()
    assert figures["group_by"] == by and figures["tickets"]["issued"] == 3  # the totals stay
    return {group["key"]: group for group in figures["groups"]}


def test_figures_by_queue(scenario):
    groups = _groups(scenario, "queue")
    assert list(groups) == ["shsd", "shsw"]
    assert groups["shsd"]["name"] == "商事登记"
    assert groups["shsd"]["tickets"] == {
        "issued": 2,
        "served": 2,
        "no_show": 0,
        "avg_wait_s": 450,
        "avg_service_s": 750,
    }
    assert groups["shsd"]["cases"]["created"] == 3  # both items are taken in at 商事登记
    assert groups["shsd"]["ratings"]["count"] == 3 and groups["shsd"]["ratings"]["bad"] == 1
    assert groups["shsw"]["tickets"] == {
        "issued": 1,
        "served": 0,
        "no_show": 1,
        "avg_wait_s": 1200,
        "avg_service_s": None,
    }
    assert groups["shsw"]["ratings"]["count"] == 0


def test_figures_by_window(scenario):
    groups = _groups(scenario, "window")
    assert list(groups) == ["1", "2", "4", None]
    assert groups["1"]["tickets"]["avg_service_s"] == 600 and groups["1"]["ratings"]["average"] == 5.0
    assert groups["2"]["tickets"]["avg_wait_s"] == 600 and groups["2"]["ratings"]["bad"] == 1
    assert groups["4"]["tickets"]["no_show"] == 1
    assert groups[None]["name"] == "未关联"  # the cases came with no ticket
    assert groups[None]["cases"]["created"] == 3 and groups[None]["ratings"]["count"] == 1


def test_figures_by_clerk(scenario):
    groups = _groups(scenario, "clerk")
    assert set(groups) == {"clerk1", "clerk2", "clerk3"}
    assert groups["clerk1"]["name"] == "陈嘉欣"
    assert groups["clerk1"]["tickets"]["served"] == 1 and groups["clerk1"]["cases"]["created"] == 3
    assert groups["clerk1"]["ratings"]["count"] == 2 and groups["clerk1"]["ratings"]["average"] == 4.5
    assert groups["clerk2"]["ratings"]["bad"] == 1
    assert groups["clerk3"]["tickets"]["no_show"] == 1


def test_figures_by_mode_and_department(scenario):
    modes = _groups(scenario, "mode")
    assert list(modes) == ["immediate", "once", None]
    assert modes["immediate"]["name"] == "马上办" and modes["immediate"]["cases"]["on_time_rate"] == 1.0
    assert modes["immediate"]["ratings"]["count"] == 1
    assert modes["once"]["cases"]["created"] == 2 and modes["once"]["cases"]["on_time_rate"] == 0.0
    assert (
        modes[None]["tickets"]["issued"] == 3 and modes[None]["ratings"]["count"] == 2
    )  # tickets have no mode
    departments = _groups(scenario, "department")
    assert departments["scjg"]["cases"]["decided"] == 2 and departments["scjg"]["ratings"]["count"] == 1
    assert departments[None]["tickets"]["issued"] == 3  # taken without naming an item


def test_csv_export_holds_the_same_numbers(scenario):
    """Does the CSV parse with csv, with the headings, the totals row and one row per group?"""
    answer = scenario.get(f"/halls/xiqu/stats?{PERIOD}&group_by=queue&format=csv", as_user="supervisor1")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[0] == [heading for _, heading in EXPORT_COLUMNS]
    table = {row[0]: dict(zip([path for path, _ in EXPORT_COLUMNS], row, strict=True)) for row in rows[1:]}
    assert list(table) == ["total", "shsd", "shsw"]
    total = table["total"]
    assert total["name"] == "合计" and total["tickets.issued"] == "3" and total["tickets.avg_wait_s"] == "700"
    assert total["cases.by_mode.once"] == "2" and total["cases.on_time_rate"] == "0.5"
    assert total["ratings.average"] == "3.67" and total["ratings.bad"] == "1"
    assert table["shsw"]["tickets.avg_service_s"] == ""


def test_xlsx_export_opens_with_openpyxl(scenario):
    """Does the XLSX open with openpyxl and hold the same numbers as the JSON figures?"""
    figures = scenario.get(f"/halls/xiqu/stats?{PERIOD}", as_user="supervisor1").get_json()
    answer = scenario.get(f"/halls/xiqu/stats?{PERIOD}&format=xlsx", as_user="supervisor1")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.get_data()))
    rows = list(book["五办统计"].iter_rows(values_only=True))
    assert list(rows[0]) == [heading for _, heading in EXPORT_COLUMNS]
    total = dict(zip([path for path, _ in EXPORT_COLUMNS], rows[1], strict=True))
    assert len(rows) == 2
    assert total["tickets.issued"] == figures["tickets"]["issued"] == 3
    assert total["tickets.avg_service_s"] == figures["tickets"]["avg_service_s"] == 750
    assert total["cases.by_mode.immediate"] == 1 and total["cases.on_time_rate"] == 0.5
    assert total["ratings.count"] == 3 and total["ratings.average"] == 3.67
    about = dict(book["说明"].iter_rows(values_only=True))
    assert about["起始日期"] == "2026-11-30" and about["大厅代码"] == "xiqu"


def test_default_period_is_this_month(api):
    """Without from/to: the month up to today (Monday 2026-11-30)."""
    figures = api.get("/halls/xiqu/stats", as_user="supervisor1").get_json()
    assert (figures["from"], figures["to"]) == ("2026-11-01", "2026-11-30")
    assert figures["tickets"] == {
        "issued": 0,
        "served": 0,
        "no_show": 0,
        "avg_wait_s": None,
        "avg_service_s": None,
    }
    assert figures["cases"]["on_time_rate"] is None and figures["ratings"]["average"] is None


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2026-12-01&to=2026-11-01", "to"),
        ("from=2025-01-01&to=2026-12-31", "to"),
        ("from=yesterday", "from"),
        ("group_by=colour", "group_by"),
        ("format=pdf", "format"),
    ],
)
def test_bad_queries_are_400(api, query, field):
    assert (
        field
        in assert_error(api.get(f"/halls/xiqu/stats?{query}", as_user="supervisor1"), 400, "invalid_request")[
            "fields"
        ]
    )


def test_figures_are_for_supervisors_and_admins(api):
    assert_error(api.get("/halls/xiqu/stats"), 401, "unauthorized")
    assert_error(api.get("/halls/xiqu/stats", as_user="clerk1"), 403, "forbidden")
    assert_error(api.get("/halls/xiqu/stats", as_user="approver_scjg"), 403, "forbidden")
    assert api.get("/halls/xiqu/stats", as_user="admin").status_code == 200
    assert_error(api.get("/halls/nowhere/stats", as_user="supervisor1"), 404, "not_found")


def test_a_bundle_is_counted_under_bundle(api):
    """Is a 主题式 case counted under cases.by_mode.bundle (and in the export), not a server error?"""

    def by_mode():
        answer = api.get(f"/halls/xiqu/stats?{PERIOD}", as_user="supervisor1")
        assert answer.status_code == 200
        return answer.get_json()["cases"]["by_mode"]

    before = by_mode()
    api.open_case(service="YJS-001", mode="bundle", delivery={"method": "pickup"})
    assert by_mode()["bundle"] == before["bundle"] + 1
    export = api.get(f"/halls/xiqu/stats?{PERIOD}&format=csv", as_user="supervisor1")
    assert export.status_code == 200 and "主题式" in export.get_data(as_text=True)
