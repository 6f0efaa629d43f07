"""Working days through the API: deadlines and the calendar listing, with overrides."""

import json

from tests.conftest import assert_error


def test_deadline_across_national_day(client):
    """Is 5 working days after 2026-09-30 the 13th of October (holiday plus the 10th worked)?"""
    body = client.get("/api/v1/calendar/deadline?start=2026-09-30&workdays=5").get_json()
    assert body == {"start": "2026-09-30", "workdays": 5, "deadline": "2026-10-13", "confirmed": True}


def test_deadline_zero_is_start(client):
    """Is 0 working days after a date the date itself?"""
    body = client.get("/api/v1/calendar/deadline?start=2026-10-03&workdays=0").get_json()
    assert body["deadline"] == "2026-10-03"


def test_deadline_into_unannounced_year_is_unconfirmed(client):
    """Does a deadline that runs into a year not yet announced answer confirmed false, not an error?"""
    answer = client.get("/api/v1/calendar/deadline?start=2026-12-28&workdays=5")
    assert answer.status_code == 200
    assert answer.get_json()["confirmed"] is False
    assert answer.get_json()["deadline"].startswith("2027-01")


def test_calendar_lists_make_up_days(client):
    """Does the calendar name the holiday and the make-up working day (调休)?"""
    days = {d["date"]: d for d in client.get("/api/v1/calendar?from=2026-09-28&to=2026-10-11").get_json()}
    assert len(days) == 14
    assert days["2026-10-01"] == {"date": "2026-10-01", "working": False, "name": "国庆节", "confirmed": True}
    assert days["2026-10-10"]["working"] is True and days["2026-10-10"]["name"] == "国庆节调休上班"
    assert days["2026-09-28"] == {"date": "2026-09-28", "working": True, "name": None, "confirmed": True}


def test_calendar_query_errors(client):
    """Are missing, malformed and too-wide ranges a 400 naming the field?"""
    cases = [
        ("/api/v1/calendar/deadline?workdays=3", "start"),
        ("/api/v1/calendar/deadline?start=2026-13-01&workdays=3", "start"),
        ("/api/v1/calendar/deadline?start=2026-10-01&workdays=-1", "workdays"),
        ("/api/v1/calendar/deadline?start=2026-10-01&workdays=abc", "workdays"),
        ("/api/v1/calendar?from=2026-01-01", "to"),
        ("/api/v1/calendar?from=2026-01-01&to=2027-03-01", "to"),
        ("/api/v1/calendar?from=2026-05-01&to=2026-04-01", "to"),
    ]
    for url, field in cases:
        details = assert_error(client.get(url), 400, "invalid_request")
        assert field in details["fields"], (url, details)


def test_override_file_wins_and_confirms_a_year(app, client, tmp_path):
    """Does a loaded override file change the deadline and mark its year confirmed?"""
    schedule = {
        "announced_years": [2027],
        "source": "测试用安排",
        "days": [
            {"date": "2026-10-12", "working": False, "name": "临时停止办公"},
            {"date": "2027-01-01", "working": False, "name": "元旦"},
        ],
    }
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(schedule, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "load", str(path)])
    assert result.exit_code == 0, result.output

    assert (
        client.get("/api/v1/calendar/deadline?start=2026-09-30&workdays=5").get_json()["deadline"]
        == "2026-10-14"
    )
    day = client.get("/api/v1/calendar?from=2026-10-12&to=2026-10-12").get_json()[0]
    assert day == {"date": "2026-10-12", "working": False, "name": "临时停止办公", "confirmed": True}
    assert client.get("/api/v1/calendar/deadline?start=2026-12-28&workdays=5").get_json()["confirmed"] is True


def test_bad_override_file_changes_nothing(app, client, tmp_path):
    """Does a malformed override file fail with a message and leave the calendar as it was?"""
    path = tmp_path / "bad.json"
    path.write_text('{"days": [{"date": "2026-10-12", "working": "maybe"}]}', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "load", str(path)])
    assert result.exit_code != 0 and "日历文件无效" in result.output
    assert (
        client.get("/api/v1/calendar/deadline?start=2026-09-30&workdays=5").get_json()["deadline"]
        == "2026-10-13"
    )
