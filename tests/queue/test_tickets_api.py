"""Taking tickets and moving them through the ticket machine, through the API."""

from tests.conftest import assert_error


def test_take_ticket_numbers_by_queue_prefix(api):
    """Does a ticket get its queue's prefix, a daily sequence and its place in line?"""
    first = api.take("shsd")
    second = api.take("shsd")
    other = api.take("shsw")
    assert (first["number"], second["number"], other["number"]) == ("A001", "A002", "B001")
    assert first["state"] == "waiting" and first["hall"] == "xiqu" and first["priority"] == "normal"
    assert first["waiting_ahead"] == 0 and second["waiting_ahead"] == 1
    assert first["issued_at"].startswith("2026-11-30T09:00:00+08:00")
    assert first["called_at"] is None and first["recalls"] == 0 and first["window_number"] is None
    assert second["est_wait_s"] > 0


def test_queue_list_counts_waiting(api):
    """Does the queue list show how many wait and the wait a new ticket can expect?"""
    api.take("shsd")
    api.take("shsd")
    queues = {queue["code"]: queue for queue in api.get("/halls/xiqu/queues").get_json()}
    assert queues["shsd"]["waiting"] == 2 and queues["shsd"]["prefix"] == "A"
    assert queues["shsd"]["est_wait_s"] > 0
    assert queues["shsw"]["waiting"] == 0 and queues["shsw"]["est_wait_s"] == 0


def test_priority_goes_first_then_oldest(api, advance):
    """Are priority tickets called before older normal ones, and the rest oldest first?"""
    normal_1 = api.take("shsd")
    advance(1)
    normal_2 = api.take("shsd")
    advance(1)
    urgent = api.take("shsd", priority="priority", priority_reason="老年人")
    assert urgent["waiting_ahead"] == 0
    assert api.get(f"/tickets/{normal_1['id']}").get_json()["waiting_ahead"] == 1
    window = api.open_window(1)
    order = [api.serve(window)["number"] for _ in range(3)]
    assert order == [urgent["number"], normal_1["number"], normal_2["number"]]
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").status_code == 204


def test_window_of_several_queues_calls_priority_then_its_queue_order_then_the_oldest(api, advance):
    """Does a window of several queues call priority first, then its queues in order, each oldest first?"""
    window = api.window_id(13)
    reorder = api.client.patch(
        f"/api/v1/admin/windows/{window}",
        json={"queues": ["rsyb", "shsw", "shsd"]},
        headers=api.headers("admin"),
    )
    assert reorder.status_code == 200 and reorder.get_json()["queues"] == ["rsyb", "shsw", "shsd"]
    business = api.take("shsd")
    advance(1)
    social_1 = api.take("shsw")
    advance(1)
    pension = api.take("rsyb")
    advance(1)
    social_2 = api.take("shsw")
    advance(1)
    urgent = api.take("shsd", priority="priority", priority_reason="孕妇")
    elsewhere = api.take("jsgc")  # window 13 does not serve 建设工程
    api.open_window(13)
    called = [api.serve(window) for _ in range(5)]
    assert [t["number"] for t in called] == [
        urgent["number"],  # priority, although its queue comes last at this window
        pension["number"],  # the window's first queue, although issued after two others
        social_1["number"],
        social_2["number"],
        business["number"],
    ]
    assert [(t["queue"], t["window_number"], t["state"]) for t in called][:2] == [
        ("shsd", 13, "called"),
        ("rsyb", 13, "called"),
    ]
    assert called[1]["queue_name"] and called[1]["hall"] == "xiqu" and called[0]["priority"] == "priority"
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").status_code == 204
    assert api.get(f"/tickets/{elsewhere['id']}").get_json()["state"] == "waiting"


def test_call_next_signs_the_caller_in_at_the_window(api):
    """Does whoever calls become the window's clerk, and does an unknown window answer 404?"""
    api.take("shsd")
    window = api.open_window(1, as_user="clerk1")
    assert api.post(f"/windows/{window}/call-next", as_user="admin").status_code == 200
    admin = api.post("/auth/token", json={"username": "admin", "password": "demo"}).get_json()["user"]
    listed = next(w for w in api.get("/halls/xiqu/windows", as_user="clerk1").get_json() if w["id"] == window)
    assert listed["clerk"] == admin["name"]
    assert_error(api.post("/windows/999999/call-next", as_user="clerk1"), 404, "not_found")


def test_full_ticket_life(api):
    """Can a clerk call, recall, start and finish a ticket, with every change recorded?"""
    ticket = api.take("shsd")
    window = api.open_window(1)
    called = api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()
    assert called["id"] == ticket["id"] and called["state"] == "called" and called["window_number"] == 1
    assert called["waiting_ahead"] is None and called["est_wait_s"] is None
    recalled = api.post(f"/tickets/{ticket['id']}/recall", as_user="clerk1").get_json()
    assert recalled["recalls"] == 1 and recalled["called_at"] == called["called_at"]
    assert api.post(f"/tickets/{ticket['id']}/start", as_user="clerk1").get_json()["state"] == "serving"
    assert api.post(f"/tickets/{ticket['id']}/finish", as_user="clerk1").get_json()["state"] == "done"

    history = api.get(f"/tickets/{ticket['id']}/history", as_user="clerk1").get_json()
    assert [(h["trigger"], h["from"], h["to"]) for h in history] == [
        ("issue", None, "waiting"),
        ("call", "waiting", "called"),
        ("recall", "called", "called"),
        ("start", "called", "serving"),
        ("finish", "serving", "done"),
    ]
    assert [h["actor"] for h in history] == [None, "clerk1", "clerk1", "clerk1", "clerk1"]
    assert all(h["at"].endswith("+08:00") for h in history)


def test_no_show_and_requeue_goes_to_the_back(api, advance):
    """Does a no-show put back in line wait behind those who came after it?"""
    late = api.take("shsd")
    api.take("shsd")
    window = api.open_window(1)
    api.post(f"/windows/{window}/call-next", as_user="clerk1")
    advance(5)
    assert api.post(f"/tickets/{late['id']}/no_show", as_user="clerk1").get_json()["state"] == "no_show"
    requeued = api.post(f"/tickets/{late['id']}/requeue", as_user="clerk1").get_json()
    assert requeued["state"] == "waiting" and requeued["waiting_ahead"] == 1
    assert requeued["called_at"] is not None  # the first call stays on record
    assert api.serve(window)["number"] == "A002"
    assert api.serve(window)["number"] == "A001"


def test_transfer_keeps_number_and_issue_time(api, advance):
    """Does a transferred ticket keep its number and issue time, ahead of later tickets of the target
    queue?"""
    moved = api.take("shsd")
    advance(1)
    later = api.take("shsw")
    window = api.open_window(1)
    api.post(f"/windows/{window}/call-next", as_user="clerk1")
    api.post(f"/tickets/{moved['id']}/start", as_user="clerk1")
    transferred = api.post(
        f"/tickets/{moved['id']}/transfer", json={"queue": "shsw"}, as_user="clerk1"
    ).get_json()
    assert transferred["state"] == "waiting" and transferred["queue"] == "shsw"
    assert transferred["number"] == "A001" and transferred["issued_at"] == moved["issued_at"]
    assert transferred["waiting_ahead"] == 0
    social = api.open_window(4, as_user="clerk2")  # window 4 serves 社会事务
    assert api.serve(social, as_user="clerk2")["id"] == moved["id"]
    assert api.serve(social, as_user="clerk2")["id"] == later["id"]


def test_cancel_a_waiting_ticket(api):
    """Can a waiting ticket be cancelled, and is it then out of the line?"""
    ticket = api.take("shsd")
    assert api.post(f"/tickets/{ticket['id']}/cancel", as_user="clerk1").get_json()["state"] == "cancelled"
    window = api.open_window(1)
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").status_code == 204


def test_trigger_not_allowed_answers_409_with_allowed(api):
    """Does a trigger the state does not allow answer 409 with the allowed triggers, and change nothing?"""
    ticket = api.take("shsd")
    details = assert_error(
        api.post(f"/tickets/{ticket['id']}/finish", as_user="clerk1"), 409, "invalid_transition"
    )
    assert details == {"state": "waiting", "trigger": "finish", "allowed": ["cancel"]}
    details = assert_error(
        api.post(f"/tickets/{ticket['id']}/fly", as_user="clerk1"), 409, "invalid_transition"
    )
    assert details["trigger"] == "fly"
    assert api.get(f"/tickets/{ticket['id']}").get_json()["state"] == "waiting"


def test_call_next_at_closed_or_paused_window_is_conflict(api):
    """Does calling at a window that is not open answer 409 conflict?"""
    api.take("shsd")
    window = api.window_id(1)
    assert_error(api.post(f"/windows/{window}/call-next", as_user="clerk1"), 409, "conflict")
    api.open_window(1)
    api.post(f"/windows/{window}/status", json={"status": "paused"}, as_user="clerk1")
    assert_error(api.post(f"/windows/{window}/call-next", as_user="clerk1"), 409, "conflict")
    assert api.get("/halls/xiqu/queues").get_json()[0]["waiting"] == 1


def test_window_list_shows_status_and_queues(api):
    """Does the window list show each window's queues, status and clerk?"""
    api.open_window(1)
    windows = api.get("/halls/xiqu/windows", as_user="clerk1").get_json()
    assert len(windows) >= 8
    first = windows[0]
    assert first["number"] == 1 and first["status"] == "open" and first["clerk"] and "shsd" in first["queues"]
    assert all(window["status"] == "closed" for window in windows[1:])


def test_board_shows_newest_call_first(api):
    """Does the board list the calls newest first, with the text read out, and the waiting counts?"""
    api.take("shsd")
    api.take("shsd")
    window = api.open_window(1)
    api.serve(window)
    api.serve(window)
    board = api.get("/halls/xiqu/board").get_json()
    assert board["hall"] == "xiqu" and isinstance(board["seq"], int)
    assert [call["number"] for call in board["calls"]] == ["A002", "A001"]
    assert board["calls"][0]["announce"] == "请A002号到1号窗口办理"
    assert board["calls"][0]["window_number"] == 1 and board["calls"][0]["window_name"]
    assert {"code": "shsd", "name": "商事登记", "waiting": 0} in board["queues"]


def test_desk_shows_current_ticket_and_todays_figures(api, advance):
    """Does the clerk's desk show the ticket at the window, the queues and the clerk's own day?"""
    first = api.take("shsd")
    api.take("shsd")
    window = api.open_window(1)
    advance(4)
    assert api.serve(window, minutes=6)["id"] == first["id"]
    second = api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()
    api.post(f"/tickets/{second['id']}/no_show", as_user="clerk1")
    third = api.take("shsd")
    api.post(f"/windows/{window}/call-next", as_user="clerk1")

    desk = api.get(f"/windows/{window}/desk", as_user="clerk1").get_json()
    assert desk["window"]["number"] == 1 and desk["current"]["id"] == third["id"]
    assert desk["queues"] == [{"code": "shsd", "name": "商事登记", "waiting": 0}]
    assert {"code": "shsw", "name": "社会事务"} in desk["transfer_queues"]
    assert desk["today"] == {"served": 1, "no_show": 1, "avg_wait_s": 240, "avg_service_s": 360}
    other = api.get(f"/windows/{window}/desk", as_user="clerk2").get_json()
    assert other["today"]["served"] == 0


def test_find_todays_ticket_by_its_number(api, advance):
    """Does the number printed on a ticket find today's ticket of this hall (the kiosk's 服务评价)?"""
    api.take("shsd")
    second = api.take("shsd")
    found = api.get("/halls/xiqu/tickets", query_string={"number": " a002 "})
    assert found.status_code == 200
    assert found.get_json() == api.get(f"/tickets/{second['id']}").get_json()

    assert assert_error(api.get("/halls/xiqu/tickets?number=A009"), 404, "not_found") == {"number": "A009"}
    advance(24 * 60)  # the next day the same number is a new ticket, not yesterday's
    assert_error(api.get("/halls/xiqu/tickets?number=A002"), 404, "not_found")
    assert api.get("/halls/xiqu/tickets?number=A001").status_code == 404


def test_find_ticket_checks_the_hall_and_the_number(api, other_hall):
    """Is another hall's number, a malformed number or an unknown hall refused?"""
    api.take("shsd")
    assert_error(api.get(f"/halls/{other_hall}/tickets?number=A001"), 404, "not_found")
    for bad in ("A-1", "XIQU-20261130-0001", ""):
        details = assert_error(
            api.get("/halls/xiqu/tickets", query_string={"number": bad}), 400, "invalid_request"
        )
        assert details["fields"] == {"number": "格式不正确"}
    assert assert_error(api.get("/halls/xiqu/tickets"), 400, "invalid_request")["fields"] == {
        "number": "必填"
    }
    assert_error(api.get("/halls/nowhere/tickets?number=A001"), 404, "not_found")
