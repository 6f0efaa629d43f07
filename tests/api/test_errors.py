"""Bad input gets the contract's error body, the right status, and changes nothing."""

import pytest

from tests.conftest import assert_error


def _waiting(api) -> int:
    return sum(queue["waiting"] for queue in api.get("/halls/xiqu/queues").get_json())


def test_unknown_hall_queue_window_ticket(api):
    """Is an unknown object in the path 404 and one in the body 400 naming the field?"""
    assert_error(api.get("/halls/nowhere/queues"), 404, "not_found")
    assert_error(api.get("/halls/nowhere/board"), 404, "not_found")
    assert_error(api.post("/halls/nowhere/tickets", json={"queue": "shsd"}), 404, "not_found")
    assert_error(api.get("/tickets/999999"), 404, "not_found")
    assert_error(api.get("/tickets/abc"), 404, "not_found")
    assert_error(api.post("/windows/999999/call-next", as_user="clerk1"), 404, "not_found")
    assert_error(api.post("/tickets/999999/start", as_user="clerk1"), 404, "not_found")
    details = assert_error(api.post("/halls/xiqu/tickets", json={"queue": "nope"}), 400, "invalid_request")
    assert set(details["fields"]) == {"queue"}
    details = assert_error(
        api.post("/halls/xiqu/tickets", json={"queue": "shsd", "service": "NOPE-1"}), 400, "invalid_request"
    )
    assert set(details["fields"]) == {"service"}
    assert _waiting(api) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "queue"),
        ({"queue": 123}, "queue"),
        ({"queue": ""}, "queue"),
        ({"queue": "shsd", "priority": "vip"}, "priority"),
        ({"queue": "shsd", "priority": "priority"}, "priority_reason"),
        ({"queue": "shsd", "priority_reason": "老年人"}, "priority_reason"),
        ({"queue": "shsd", "phone": "12345"}, "phone"),
        ({"queue": "shsd", "phone": 13800138000}, "phone"),
        ({"queue": "shsd", "colour": "red"}, "colour"),
        ({"queue": "shsd", "service": "SHSW-001"}, "service"),
    ],
)
def test_bad_ticket_bodies(api, body, field):
    """Does each malformed field answer 400 naming that field in Chinese, and issue nothing?"""
    details = assert_error(api.post("/halls/xiqu/tickets", json=body), 400, "invalid_request")
    assert field in details["fields"], details
    assert any("\u4e00" <= ch <= "\u9fff" for ch in details["fields"][field])
    assert _waiting(api) == 0


def test_malformed_json_and_non_object(client, api):
    """Is a body that is not JSON, or not an object, a clear 400?"""
    for raw in ("{not json", "[1, 2]", '"shsd"'):
        answer = client.post("/api/v1/halls/xiqu/tickets", data=raw, content_type="application/json")
        details = assert_error(answer, 400, "invalid_request")
        assert "body" in details["fields"]
    assert _waiting(api) == 0


def test_staff_endpoints_need_a_token(client, api):
    """Do staff endpoints answer 401 without a token or with a forged one?"""
    window = api.window_id(1)
    assert_error(client.post(f"/api/v1/windows/{window}/call-next"), 401, "unauthorized")
    assert_error(client.get("/api/v1/halls/xiqu/windows"), 401, "unauthorized")
    forged = {"Authorization": "Bearer not-a-real-token"}
    assert_error(client.post(f"/api/v1/windows/{window}/call-next", headers=forged), 401, "unauthorized")


def test_clerk_of_another_hall_is_forbidden(api, other_hall):
    """Can a clerk of another hall act at this hall's windows or tickets? (403, nothing changes)"""
    ticket = api.take("shsd")
    window = api.open_window(1)
    assert_error(api.post(f"/windows/{window}/call-next", as_user="nanqu_clerk"), 403, "forbidden")
    assert_error(
        api.post(f"/windows/{window}/status", json={"status": "closed"}, as_user="nanqu_clerk"),
        403,
        "forbidden",
    )
    assert_error(api.post(f"/tickets/{ticket['id']}/cancel", as_user="nanqu_clerk"), 403, "forbidden")
    assert_error(api.get("/halls/xiqu/windows", as_user="nanqu_clerk"), 403, "forbidden")
    assert api.get(f"/tickets/{ticket['id']}").get_json()["state"] == "waiting"
    assert api.get("/halls/xiqu/windows", as_user="clerk1").get_json()[0]["status"] == "open"


def test_user_without_clerk_role_cannot_call(api):
    """Is an approver refused at a window with 403?"""
    window = api.open_window(1)
    api.take("shsd")
    assert_error(api.post(f"/windows/{window}/call-next", as_user="approver_scjg"), 403, "forbidden")
    assert _waiting(api) == 1


def test_transfer_needs_a_known_other_queue(api):
    """Does a transfer without a queue, to an unknown queue or to its own queue answer 400 and keep the ticket
    serving?"""
    ticket = api.take("shsd")
    window = api.open_window(1)
    api.post(f"/windows/{window}/call-next", as_user="clerk1")
    api.post(f"/tickets/{ticket['id']}/start", as_user="clerk1")
    for body in ({}, {"queue": "nope"}, {"queue": "shsd"}, {"queue": 5}):
        details = assert_error(
            api.post(f"/tickets/{ticket['id']}/transfer", json=body, as_user="clerk1"), 400, "invalid_request"
        )
        assert "queue" in details["fields"]
    assert api.get(f"/tickets/{ticket['id']}").get_json()["state"] == "serving"


def test_bad_window_status(api):
    """Is an unknown window status a 400?"""
    window = api.window_id(1)
    details = assert_error(
        api.post(f"/windows/{window}/status", json={"status": "broken"}, as_user="clerk1"),
        400,
        "invalid_request",
    )
    assert "status" in details["fields"]


def test_unknown_route_and_method(client):
    """Do unknown paths and methods get the error body too?"""
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.delete("/api/v1/halls"), 405, "method_not_allowed")


def test_oversized_body_is_413(client):
    """Is a body over the size limit 413 too_large?"""
    answer = client.post(
        "/api/v1/halls/xiqu/tickets", data="x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert_error(answer, 413, "too_large")


def test_screens_get_an_error_page(client):
    """Does a browser asking for an unknown screen get a readable page, while the API keeps JSON?"""
    answer = client.get("/board/nowhere", headers={"Accept": "text/html"})
    assert answer.status_code == 404 and "服务大厅不存在" in answer.get_data(as_text=True)
    assert answer.content_type.startswith("text/html")
    assert_error(
        client.get("/api/v1/halls/nowhere/queues", headers={"Accept": "text/html"}), 404, "not_found"
    )
