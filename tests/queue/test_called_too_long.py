"""The supervisor sees tickets left `called` too long (issue #13.3): GET /halls/{hall}/monitor's
called_too_long, yellow past TICKET_CALLED_ALERT_MIN minutes, red past twice that, gone once handled."""

from tests.api.test_openapi import _check


def called_too_long(api) -> list[dict]:
    answer = api.get("/halls/xiqu/monitor", as_user="supervisor1")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["called_too_long"]


def test_a_ticket_left_called_turns_yellow_then_red_and_goes_when_started(api, client, advance):
    ticket = api.take("shsd")
    window = api.open_window(1)
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").status_code == 200
    advance(9)
    assert called_too_long(api) == []
    advance(1)
    [alert] = called_too_long(api)
    assert alert == {
        "kind": "ticket_called",
        "ticket_id": ticket["id"],
        "number": "A001",
        "queue": "shsd",
        "queue_name": alert["queue_name"],
        "window_number": 1,
        "window_name": alert["window_name"],
        "clerk": alert["clerk"],
        "called_at": "2026-11-30T09:00:00+08:00",
        "recalls": 0,
        "minutes": 10,
        "light": "yellow",
    }
    assert alert["queue_name"] and alert["window_name"] and alert["clerk"]["username"] == "clerk1"
    advance(10)
    answer = api.get("/halls/xiqu/monitor", as_user="supervisor1")
    _check(client.get("/api/v1/openapi.json").get_json(), "get", "/api/v1/halls/{hall_code}/monitor", answer)
    assert [(a["number"], a["light"], a["minutes"]) for a in answer.get_json()["called_too_long"]] == [
        ("A001", "red", 20)
    ]
    assert api.post(f"/tickets/{ticket['id']}/start", as_user="clerk1").status_code == 200
    assert called_too_long(api) == []


def test_the_threshold_is_a_setting(app, api, advance):
    app.config["TICKET_CALLED_ALERT_MIN"] = 3
    try:
        api.take("shsd")
        window = api.open_window(1)
        api.post(f"/windows/{window}/call-next", as_user="clerk1")
        advance(3)
        assert [alert["light"] for alert in called_too_long(api)] == ["yellow"]
    finally:
        app.config["TICKET_CALLED_ALERT_MIN"] = 10
