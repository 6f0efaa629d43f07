"""好差评 through the API: one rating per ticket and per case, bad ratings open rectification items."""

import pytest

from tests.conftest import APPLICANT_PHONE, assert_error


def finished_ticket(api, window: int = 1, clerk: str = "clerk1") -> dict:
    """Take a ticket, call it at the window, serve and finish it; return it."""
    window_id = api.open_window(window, as_user=clerk)
    ticket = api.take()
    called = api.post(f"/windows/{window_id}/call-next", as_user=clerk).get_json()
    assert called["id"] == ticket["id"]
    api.post(f"/tickets/{ticket['id']}/start", as_user=clerk)
    done = api.post(f"/tickets/{ticket['id']}/finish", as_user=clerk).get_json()
    assert done["state"] == "done"
    return {**done, "rating_token": ticket["rating_token"]}  # the issuing answer's, as the QR code holds it


def rate_ticket(api, ticket: dict, **fields):
    """Rate a ticket as its holder (with the rating token of its issuing answer)."""
    return api.post("/ratings", json={"ticket_id": ticket["id"], "token": ticket["rating_token"], **fields})


def rate_case(api, case_no: str, **fields):
    """Rate a case as its applicant (with the phone given when it was registered)."""
    return api.post("/ratings", json={"case_no": case_no, "phone": APPLICANT_PHONE, **fields})


def delivered_case(api) -> dict:
    """A 马上办 case completed on the spot (delivered at once)."""
    case = api.open_case(service="SCJG-004", mode="immediate", delivery={"method": "pickup"})
    return api.fire(case["case_no"], "complete_on_spot", as_user="clerk1")


def test_a_finished_ticket_is_rated_once(api):
    """Is a finished ticket rated once, with 201 and the rating, and a second rating 409?"""
    ticket = finished_ticket(api)
    answer = rate_ticket(api, ticket, grade=5, comment="办事很快")
    assert answer.status_code == 201, answer.get_json()
    rating = answer.get_json()
    assert rating["ticket_id"] == ticket["id"] and rating["case_no"] is None
    assert rating["grade"] == 5 and rating["grade_name"] == "非常满意" and rating["bad"] is False
    assert rating["channel"] == "status_page" and rating["rectification"] is None
    assert rating["created_at"] == "2026-11-30T09:00:00+08:00"

    details = assert_error(rate_ticket(api, ticket, grade=1), 409, "conflict")
    assert details == {"rated": True}


def test_only_a_done_ticket_can_be_rated(api):
    """Is a ticket still waiting, or one called but not finished, refused with 409?"""
    waiting = api.take()
    details = assert_error(rate_ticket(api, waiting, grade=4), 409, "conflict")
    assert details == {"state": "waiting"}


def test_a_delivered_case_is_rated_once(api):
    """Is a delivered case rated once by its number, and a case not yet delivered refused?"""
    running = api.open_case()
    assert_error(rate_case(api, running["case_no"], grade=4), 409, "conflict")

    case = delivered_case(api)
    answer = rate_case(api, case["case_no"].lower(), grade=4)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["case_no"] == case["case_no"] and answer.get_json()["channel"] == "portal"
    assert_error(rate_case(api, case["case_no"], grade=4), 409, "conflict")


def test_a_closed_case_can_be_rated(api):
    """Is a closed case (delivered, then archived) still open to its one rating?"""
    case = delivered_case(api)
    api.fire(case["case_no"], "close", as_user="clerk1")
    assert rate_case(api, case["case_no"], grade=3).status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [
        ({"grade": 5}, "ticket_id"),
        ({"ticket_id": 1, "case_no": "X", "grade": 5}, "ticket_id"),
        ({"ticket_id": 1, "grade": 0}, "grade"),
        ({"ticket_id": 1, "grade": 6}, "grade"),
        ({"ticket_id": 1, "grade": "5"}, "grade"),
        ({"ticket_id": 1, "grade": True}, "grade"),
        ({"ticket_id": 1, "grade": 5, "channel": "sms"}, "channel"),
        ({"ticket_id": 1, "grade": 5, "comment": "长" * 501}, "comment"),
        ({"case_no": "X", "grade": 5, "window_id": 1}, "window_id"),
    ],
)
def test_bad_rating_bodies_are_400(api, body, field):
    """Is a bad grade, a missing or doubled subject, or a bad channel answered 400 naming the field?"""
    details = assert_error(api.post("/ratings", json=body), 400, "invalid_request")
    assert field in details["fields"]


def test_unknown_ticket_or_case_is_400(api):
    """Is an unknown ticket or case named in the body a 400 with that field named?"""
    assert (
        "ticket_id"
        in assert_error(api.post("/ratings", json={"ticket_id": 999999, "grade": 5}), 400, "invalid_request")[
            "fields"
        ]
    )
    assert (
        "case_no"
        in assert_error(
            api.post("/ratings", json={"case_no": "XIQU-1-1", "grade": 5}), 400, "invalid_request"
        )["fields"]
    )


def test_evaluator_rates_only_the_ticket_its_window_finished_last(api):
    """May the evaluator of a window rate only the ticket that window finished last?"""
    first = finished_ticket(api, window=1)
    second = finished_ticket(api, window=1)
    other = finished_ticket(api, window=2, clerk="clerk2")
    window_1 = api.window_id(1)
    assert_error(
        api.post("/ratings", json={"ticket_id": first["id"], "grade": 5, "window_id": window_1}),
        409,
        "conflict",
    )
    assert_error(
        api.post("/ratings", json={"ticket_id": other["id"], "grade": 5, "window_id": window_1}),
        409,
        "conflict",
    )
    answer = api.post("/ratings", json={"ticket_id": second["id"], "grade": 5, "window_id": window_1})
    assert answer.status_code == 201 and answer.get_json()["channel"] == "evaluator"


def bad_rating(api, grade: int = 1) -> dict:
    ticket = finished_ticket(api)
    answer = rate_ticket(api, ticket, grade=grade, comment="等了很久，态度一般")
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


@pytest.mark.parametrize("grade", [1, 2])
def test_bad_rating_opens_a_rectification_due_in_15_working_days(api, grade):
    """Does a 1 or a 2 open a rectification item due 15 working days after the rating day?"""
    rating = bad_rating(api, grade)
    # Rated Monday 2026-11-30: December has no holiday before the 21st, the 15th working day after.
    assert rating["bad"] is True
    assert rating["rectification"]["state"] == "open" and rating["rectification"]["deadline"] == "2026-12-21"
    item = api.get(f"/rectifications/{rating['rectification']['id']}", as_user="supervisor1").get_json()
    assert item["rating"]["grade"] == grade and item["rating"]["comment"] == "等了很久，态度一般"
    assert item["rating"]["window"]["number"] == 1 and item["rating"]["clerk"]["username"] == "clerk1"
    assert item["rating"]["ticket"]["queue"] == "shsd"
    assert [(h["trigger"], h["from"], h["to"]) for h in item["history"]] == [("open", None, "open")]


def test_good_and_middling_ratings_open_nothing(api):
    """Does a 3 open no rectification item?"""
    ticket = finished_ticket(api)
    assert rate_ticket(api, ticket, grade=3).get_json()["rectification"] is None
    assert api.get("/rectifications?hall=xiqu", as_user="supervisor1").get_json()["total"] == 0


def test_rectification_deadline_follows_the_setting(app, api):
    """Does RECTIFICATION_WORKDAYS set the deadline (5 working days: Monday 12-07)?"""
    app.config["RECTIFICATION_WORKDAYS"] = 5
    try:
        assert bad_rating(api)["rectification"]["deadline"] == "2026-12-07"
    finally:
        app.config["RECTIFICATION_WORKDAYS"] = 15


def test_rectification_is_assigned_followed_up_and_closed(api, advance):
    """Does a supervisor assign an item, add a note and close it with what was done, all recorded?"""
    item_id = bad_rating(api)["rectification"]["id"]
    base = f"/rectifications/{item_id}"
    details = assert_error(
        api.post(f"{base}/close", json={"action": "已整改"}, as_user="supervisor1"), 409, "invalid_transition"
    )
    assert details["state"] == "open" and "close" not in details["allowed"]

    item = api.post(
        f"{base}/assign", json={"assignee": "clerk1", "note": "请核实等候时间"}, as_user="supervisor1"
    ).get_json()
    assert item["state"] == "assigned" and item["assignee"]["username"] == "clerk1"
    advance(60)
    item = api.post(f"{base}/follow-up", json={"note": "已约谈窗口人员"}, as_user="supervisor1").get_json()
    assert item["state"] == "assigned"
    item = api.post(f"{base}/assign", json={"assignee": "clerk2"}, as_user="supervisor1").get_json()
    assert item["assignee"]["username"] == "clerk2"
    advance(60)
    item = api.post(
        f"{base}/close", json={"action": "增开弹性窗口，高峰期加派人员"}, as_user="supervisor1"
    ).get_json()

    assert item["state"] == "closed" and item["action"] == "增开弹性窗口，高峰期加派人员"
    assert item["closed_at"] == "2026-11-30T11:00:00+08:00" and item["allowed_triggers"] == []
    assert [(h["trigger"], h["to"], h["actor"]) for h in item["history"]] == [
        ("open", "open", None),
        ("assign", "assigned", "supervisor1"),
        ("follow_up", "assigned", "supervisor1"),
        ("assign", "assigned", "supervisor1"),
        ("close", "closed", "supervisor1"),
    ]
    assert item["history"][2]["note"] == "已约谈窗口人员"
    assert_error(
        api.post(f"{base}/follow-up", json={"note": "再看看"}, as_user="supervisor1"),
        409,
        "invalid_transition",
    )


def test_rectification_bad_input(api):
    """Are an unknown assignee, an empty action and an unknown item answered 400, 400 and 404?"""
    item_id = bad_rating(api)["rectification"]["id"]
    details = assert_error(
        api.post(f"/rectifications/{item_id}/assign", json={"assignee": "nobody"}, as_user="supervisor1"),
        400,
        "invalid_request",
    )
    assert "assignee" in details["fields"]
    api.post(f"/rectifications/{item_id}/assign", json={"assignee": "clerk1"}, as_user="supervisor1")
    assert (
        "action"
        in assert_error(
            api.post(f"/rectifications/{item_id}/close", json={"action": " "}, as_user="supervisor1"),
            400,
            "invalid_request",
        )["fields"]
    )
    assert_error(api.get("/rectifications/999999", as_user="supervisor1"), 404, "not_found")


def test_rectifications_are_for_supervisors(api):
    """Are clerks and approvers refused (403), and anonymous callers 401?"""
    item_id = bad_rating(api)["rectification"]["id"]
    assert_error(api.get("/rectifications", as_user="clerk1"), 403, "forbidden")
    assert_error(api.get(f"/rectifications/{item_id}"), 401, "unauthorized")

    def assign(as_user: str):
        return api.post(f"/rectifications/{item_id}/assign", json={"assignee": "clerk1"}, as_user=as_user)

    assert_error(assign("clerk1"), 403, "forbidden")
    assert_error(assign("approver_scjg"), 403, "forbidden")
    assert assign("admin").status_code == 200


def test_rectifications_of_another_hall_are_refused(api, app, other_hall):
    """Is a supervisor of another hall refused the items of this one?"""
    from queue_server.accounts.models import User
    from queue_server.extensions import db
    from queue_server.queue.models import Hall

    item_id = bad_rating(api)["rectification"]["id"]
    with app.app_context():
        hall = db.session.scalar(db.select(Hall).where(Hall.code == other_hall))
        user = User(username="nanqu_sup", name="南区督查", roles=["supervisor"], hall=hall)
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()
    try:
        assert_error(api.get(f"/rectifications/{item_id}", as_user="nanqu_sup"), 403, "forbidden")
        assert_error(api.get("/rectifications?hall=xiqu", as_user="nanqu_sup"), 403, "forbidden")
        assert api.get("/rectifications", as_user="nanqu_sup").get_json()["total"] == 0
    finally:
        with app.app_context():
            db.session.delete(db.session.scalar(db.select(User).where(User.username == "nanqu_sup")))
            db.session.commit()


def test_rectification_list_filters_and_overdue(api, advance):
    """Does the list filter by state and tell overdue items once the deadline has passed?"""
    first = bad_rating(api)["rectification"]["id"]
    second = bad_rating(api, 2)["rectification"]["id"]
    api.post(f"/rectifications/{second}/assign", json={"assignee": "clerk1"}, as_user="supervisor1")
    listed = api.get("/rectifications?state=open", as_user="supervisor1").get_json()
    assert [item["id"] for item in listed["items"]] == [first] and listed["total"] == 1
    assert api.get("/rectifications?overdue=true", as_user="supervisor1").get_json()["total"] == 0
    advance(22 * 24 * 60)  # 2026-12-22, the day after the deadline
    overdue = api.get("/rectifications?overdue=true", as_user="supervisor1").get_json()
    assert overdue["total"] == 2 and all(item["overdue"] for item in overdue["items"])


def test_answers_match_the_spec(client, api):
    """Do the rating, rectification, figures and staffing answers validate against the OpenAPI spec?"""
    from tests.api.test_openapi import _check

    spec = client.get("/api/v1/openapi.json").get_json()
    ticket = finished_ticket(api)
    _check(spec, "post", "/api/v1/ratings", rate_ticket(api, ticket, grade=1, comment="慢"))
    _check(spec, "post", "/api/v1/ratings", rate_ticket(api, ticket, grade=1))
    _check(spec, "post", "/api/v1/ratings", api.post("/ratings", json={"grade": 9}))
    case = delivered_case(api)
    _check(spec, "post", "/api/v1/ratings", rate_case(api, case["case_no"], grade=2))
    listed = api.get("/rectifications", as_user="supervisor1")
    _check(spec, "get", "/api/v1/rectifications", listed)
    item_id = listed.get_json()["items"][0]["id"]
    path = "/api/v1/rectifications/{rectification_id}"
    _check(spec, "get", path, api.get(f"/rectifications/{item_id}", as_user="supervisor1"))
    steps = [
        ("assign", {"assignee": "clerk1"}),
        ("follow-up", {"note": "跟进"}),
        ("close", {"action": "已整改"}),
        ("close", {"action": "已整改"}),  # closed already: the refusal too is as described
    ]
    for step, body in steps:
        answer = api.post(f"/rectifications/{item_id}/{step}", json=body, as_user="supervisor1")
        _check(spec, "post", f"{path}/{step}", answer)
    stats = "/api/v1/halls/{hall_code}/stats"
    _check(spec, "get", stats, api.get("/halls/xiqu/stats", as_user="supervisor1"))
    for by in ("mode", "queue", "window", "clerk", "department"):
        _check(spec, "get", stats, api.get(f"/halls/xiqu/stats?group_by={by}", as_user="supervisor1"))
    _check(spec, "get", stats, api.get("/halls/xiqu/stats", as_user="clerk1"))
    _check(
        spec,
        "get",
        "/api/v1/halls/{hall_code}/queues/{queue_code}/staffing",
        api.get("/halls/xiqu/queues/shsd/staffing", as_user="supervisor1"),
    )
