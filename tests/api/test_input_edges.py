"""Input at the edge: control characters, JSON depth and size, date ranges, unknown filters, huge ids."""

import io
import json

import pytest

from queue_server.validation import DATE_MAX, MAX_JSON_DEPTH
from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, applicant, assert_error, web_login


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _bad_fields(answer, *fields: str) -> dict:
    details = assert_error(answer, 400, "invalid_request")
    assert set(fields) <= set(details["fields"]), details
    assert all(_has_chinese(details["fields"][field]) for field in fields), details
    return details["fields"]


def _waiting(api) -> int:
    return sum(queue["waiting"] for queue in api.get("/halls/xiqu/queues").get_json())


# --- control characters ---


CONTROL_IN_PATH_AND_QUERY = [
    ("/services?q=%00", "q"),
    ("/services?q=%E6%96%BD%01", "q"),
    ("/services?q=a%09b", "q"),
    ("/services?department=scjg%7F", "department"),
    ("/halls/x%00/queues", "hall_code"),
    ("/halls/xiqu%0A/board", "hall_code"),
    ("/services/SCJG-001%C2%85", "code"),
    ("/calendar?from=2026-01-01%00&to=2026-01-31", "from"),
    ("/public/cases/X%00?phone=13800138000", "case_no"),
]


def test_control_characters_in_path_and_query_are_400(api):
    """Does a NUL byte or another control character in a path value or query string answer 400 naming it?"""
    for path, field in CONTROL_IN_PATH_AND_QUERY:
        _bad_fields(api.get(path), field)


def test_control_characters_in_staff_filters_are_400(api):
    """Do staff list filters refuse NUL bytes with 400 instead of reaching the database?"""
    _bad_fields(api.get("/cases?state=%00", as_user="admin"), "state")
    _bad_fields(api.get("/cases?hall=xi%00qu", as_user="admin"), "hall")
    _bad_fields(api.get("/rectifications?hall=%00", as_user="admin"), "hall")
    _bad_fields(api.get("/departments/sc%00jg/approvers", as_user="admin"), "code")


CONTROL_IN_JSON = [
    ({"queue": "shsd\u0000"}, "queue"),
    ({"queue": "shsd", "service": "\u0000"}, "service"),
    ({"queue": "sh\u001bsd"}, "queue"),
    ({"queue": "sh\nsd"}, "queue"),
    ({"queue": "sh\tsd"}, "queue"),
    ({"queue": "shsd", "priority": "priority", "priority_reason": "老年人\u0000"}, "priority_reason"),
]


def test_control_characters_in_json_strings_are_400(api):
    """Does a control character (or a lone surrogate) in a JSON string answer 400 naming the field?"""
    for body, field in CONTROL_IN_JSON:
        _bad_fields(api.post("/halls/xiqu/tickets", json=body), field)
    # A lone surrogate cannot be encoded for the database: the JSON escape is all a client can send.
    answer = api.client.post(
        "/api/v1/halls/xiqu/tickets", data='{"queue": "\\ud800"}', content_type="application/json"
    )
    _bad_fields(answer, "queue")
    assert _waiting(api) == 0


def test_control_characters_in_json_keys_and_nested_fields(api):
    """Are nested fields named by their path, and a key with a NUL byte refused too?"""
    _bad_fields(api.post("/auth/token", json={"username": "ad\u0000min", "password": "demo"}), "username")
    body = {
        "service": "SCJG-006",
        "hall": "xiqu",
        "mode": "once",
        "applicant": {"name": "张\u0000三", "id_number": "442000199001011233", "phone": "13800138000"},
        "materials": [{"name": "营业执照\u0007"}],
    }
    _bad_fields(api.post("/cases", json=body, as_user="clerk1"), "applicant.name", "materials.0.name")
    answer = api.post("/halls/xiqu/tickets", json={"queue": "shsd", "x\u0000": 1})
    details = assert_error(answer, 400, "invalid_request")
    assert details["fields"] == {"x\\x00": "含有不允许的控制字符"}


def test_free_text_keeps_tabs_and_line_breaks(api):
    """May a free-text field hold tab, line feed and carriage return, but a one-line name not?"""
    body = {
        "service": "SCJG-006",
        "hall": "xiqu",
        "applicant": {"name": "张三", "id_number": "442000199001011233", "phone": "13800138000"},
        "note": "第一行\r\n第二行\t附言",
    }
    answer = api.post("/public/applications", json=body)
    assert answer.status_code == 201, answer.get_json()
    body["applicant"]["name"] = "张\n三"
    _bad_fields(api.post("/public/applications", json=body), "applicant.name")
    body["applicant"]["name"], body["note"] = "张三", "附言\u0000"
    _bad_fields(api.post("/public/applications", json=body), "note")


# --- JSON depth and size ---


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 100_000])
def test_deeply_nested_json_is_400(client, api, depth):
    """Does JSON nested deeper than the limit (1,000 levels, 100,000 levels) answer 400 in Chinese?"""
    raw = '{"queue": ' + "[" * depth + "]" * depth + "}"
    answer = client.post("/api/v1/halls/xiqu/tickets", data=raw, content_type="application/json")
    fields = _bad_fields(answer, "body")
    assert str(MAX_JSON_DEPTH) in fields["body"]
    assert _waiting(api) == 0


def test_json_within_the_depth_limit_is_read(api):
    """Is a body as deep as the limit still parsed (and then judged by its schema)?"""
    nested = "x"
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    _bad_fields(api.post("/halls/xiqu/tickets", json={"queue": nested}), "queue")


def test_oversized_and_unreadable_bodies(client, api):
    """Is a body over MAX_CONTENT_LENGTH 413, and one with a 5,000-digit number or bad UTF-8 400?"""
    big = json.dumps({"queue": "shsd", "priority_reason": "x" * (2 * 1024 * 1024)})
    answer = client.post("/api/v1/halls/xiqu/tickets", data=big, content_type="application/json")
    assert_error(answer, 413, "too_large")
    for raw in ('{"queue": "shsd", "service": ' + "9" * 5000 + "}", b'{"queue": "\xff\xfe"}'):
        answer = client.post("/api/v1/halls/xiqu/tickets", data=raw, content_type="application/json")
        _bad_fields(answer, "body")
    assert _waiting(api) == 0


# --- dates ---


BAD_DATES = [
    ("/calendar/deadline?start=9999-12-31&workdays=10", "start"),
    ("/calendar/deadline?start=1999-12-31&workdays=10", "start"),
    ("/calendar/deadline?start=20261201&workdays=10", "start"),
    ("/calendar/deadline?start=2026-12-1&workdays=10", "start"),
    ("/calendar/deadline?start=2026-02-30&workdays=10", "start"),
    ("/calendar/deadline?start=0&workdays=10", "start"),
    ("/calendar/deadline?start=2026-12-01T00:00&workdays=10", "start"),
    ("/calendar/deadline?start=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-12-01&workdays=10", "start"),  # ２０２６
    ("/calendar/deadline?start=2026-12-01&workdays=3651", "workdays"),
    ("/calendar/deadline?start=2026-12-01&workdays=-1", "workdays"),
    ("/calendar/deadline?start=2099-12-25&workdays=10", "workdays"),
    ("/calendar?from=0&to=2026-01-31", "from"),
    ("/calendar?from=9999-12-01&to=9999-12-31", "from"),
    ("/halls/xiqu/slots?date=9999-12-31&queue=shsd", "date"),
]


def test_dates_are_strict_and_in_range(api):
    """Is every date YYYY-MM-DD within the supported range, and a deadline beyond it 400, never 500?"""
    for path, field in BAD_DATES:
        _bad_fields(api.get(path), field)


def test_dates_at_the_ends_of_the_range(api):
    """Are the first and last supported days accepted?"""
    answer = api.get("/calendar/deadline?start=2000-01-01&workdays=10")
    assert answer.status_code == 200, answer.get_json()
    answer = api.get(f"/calendar/deadline?start={DATE_MAX.isoformat()}&workdays=0")
    assert answer.get_json()["deadline"] == DATE_MAX.isoformat()
    answer = api.get("/calendar?from=2099-12-01&to=2099-12-31")
    assert answer.status_code == 200 and len(answer.get_json()) == 31


def test_figures_dates_are_not_timestamps(api):
    """Is from=0 refused rather than read as 1970-01-01?"""
    _bad_fields(api.get("/halls/xiqu/stats?from=0&to=0", as_user="admin"), "from", "to")
    _bad_fields(api.get("/halls/xiqu/stats?from=2026-11-01&to=10000-01-01", as_user="admin"), "to")
    assert api.get("/halls/xiqu/stats?from=2026-11-01&to=2026-11-30", as_user="admin").status_code == 200


def test_dates_in_json_bodies(api):
    """Is a due date in a trigger's data held to the same form and range?"""
    no = api.open_case(service="SCJG-001", mode="citywide", delivery={"method": "pickup"})["case_no"]
    service = api.get("/services/SCJG-001").get_json()
    deferrable = next(m["name"] for m in service["materials"] if m["deferrable"])
    for due in ("9999-12-31", "2026/12/10", 20261210):
        answer = api.post(
            f"/cases/{no}/transitions",
            as_user="clerk1",
            json={"trigger": "accept_with_deficiency", "data": {"deficiencies": [deferrable], "due": due}},
        )
        _bad_fields(answer, "data.due")
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["state"] == "submitted"


# --- unknown filter values ---


UNKNOWN_FILTERS = [
    ("/cases?state=bogus", "state"),
    ("/cases?state=", "state"),
    ("/cases?light=purple", "light"),
    ("/cases?department=nope", "department"),
    ("/cases?hall=nowhere", "hall"),
    ("/cases?assignee=nobody", "assignee"),
    ("/services?department=nope", "department"),
    ("/services?mode=fast", "mode"),
    ("/rectifications?hall=nowhere", "hall"),
    ("/rectifications?state=bogus", "state"),
    ("/halls/xiqu/stats?group_by=colour", "group_by"),
    ("/halls/xiqu/slots?date=2026-12-01&queue=nope", "queue"),
]


def test_unknown_filter_values_are_400(api):
    """Does a filter naming an unknown state, department, hall, user or mode answer 400 naming the field?"""
    for path, field in UNKNOWN_FILTERS:
        _bad_fields(api.get(path, as_user="admin"), field)


def test_known_filter_values_still_answer(api):
    """Do real states, departments, halls and users filter as before?"""
    case = api.open_case()
    found = api.get(
        f"/cases?state={case['state']}&department={case['department']}&hall=xiqu", as_user="admin"
    ).get_json()
    assert [item["case_no"] for item in found["items"]] == [case["case_no"]]
    assert api.get("/cases?assignee=me", as_user="admin").get_json()["total"] == 0
    assert api.get("/cases?assignee=clerk1", as_user="admin").status_code == 200
    assert api.get("/services?department=scjg").get_json()
    assert api.get("/rectifications?hall=xiqu", as_user="admin").status_code == 200


# --- ids in the path ---


def test_ids_and_offsets_beyond_the_database_range_are_400(api):
    """Is an id in a body, or a list offset, that no 64-bit column can hold a 400 naming it?"""
    huge = 10**20
    _bad_fields(api.post("/ratings", json={"ticket_id": huge, "grade": 5}), "ticket_id")
    booking = {"hall": "xiqu", "queue": "shsd", "slot_id": huge, "name": "张三", "phone": "13800138000"}
    _bad_fields(api.post("/appointments", json=booking), "slot_id")
    body = {
        "service": "SCJG-006",
        "hall": "xiqu",
        "mode": "once",
        "ticket_id": huge,
        "applicant": {"name": "张三", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
    }
    _bad_fields(api.post("/cases", json=body, as_user="clerk1"), "ticket_id")
    _bad_fields(api.get(f"/cases?offset={huge}", as_user="admin"), "offset")
    _bad_fields(api.get(f"/rectifications?offset={huge}", as_user="admin"), "offset")


def test_ids_beyond_the_database_range_are_404(api):
    """Is an id no row can have 404, not a database overflow?"""
    for path in (
        "/tickets/99999999999",
        "/tickets/2147483648/history",
        "/rectifications/9223372036854775808",
        "/services/SCJG-001/materials/99999999999999999999/guide",
    ):
        assert_error(api.get(path, as_user="admin"), 404, "not_found")


def test_control_characters_in_form_fields(client, api):
    """Is a NUL byte in the sign-in form or an upload's material 400, while line breaks in a form pass?"""
    answer = web_login(client, "ad\u0000min")
    assert answer.status_code == 400
    assert "控制字符" in answer.get_data(as_text=True)
    assert web_login(client, "clerk1\r\n").status_code != 400  # refused as a wrong name, not as input
    application = api.post(
        "/public/applications",
        json={"service": "SCJG-006", "hall": "xiqu", "applicant": applicant("李四")},
    ).get_json()
    answer = client.post(
        f"/api/v1/public/applications/{application['case_no']}/files",
        headers={"X-Application-Token": application["token"]},
        content_type="multipart/form-data",
        data={"material": "申请书\u0000", "file": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf")},
    )
    assert _bad_fields(answer, "material")["material"] == "含有不允许的控制字符"
