"""代理办 and 上门办理 through the API: a citizen's request, an agent takes it, books a visit, submits it,
hands the result over; bad input changes nothing; agents act on their own hall only; roster and figures."""

from datetime import datetime, timedelta

import pytest

from queue_server.accounts.models import User
from queue_server.extensions import db
from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, SELF_COLLECTOR, assert_error

OPINION = "材料齐全，符合法定条件，准予许可。"
HOME = "广东省中山市西区彩虹大道8号3栋502"


def ask(api, expect: int = 201, **fields) -> dict:
    body = {
        "hall": "xiqu",
        "service": "MZ-004",
        "applicant": {"name": "李阿婆", "phone": APPLICANT_PHONE},
        **fields,
    }
    answer = api.post("/public/agent-requests", json=body)
    assert answer.status_code == expect, answer.get_json()
    return answer.get_json()


def count_cases(api) -> int:
    return api.get("/cases", as_user="supervisor1").get_json()["total"]


def visit_time(days: int = 2) -> str:
    return (datetime.now() + timedelta(days=days)).replace(hour=10, minute=30).strftime("%Y-%m-%dT%H:%M")


def test_home_visit_from_request_to_signed_receipt(api, sms):
    """Does a 上门办理 request go from the citizen to the agents' list, a visit, submit and hand-over?"""
    asked = ask(api, address=HOME, home_visit=True, reasons=["elderly", "ill"], channel="portal")
    no = asked["case_no"]
    assert asked["mode"] == "agent" and asked["state"] == "agent_requested" and asked["hall"] == "xiqu"
    assert asked["request"]["reasons"] == ["elderly", "ill"]
    assert asked["request"]["reason_names"] == ["高龄", "患病"]
    assert asked["progress_url"].endswith(no)

    listed = api.get("/cases?state=agent_requested", as_user="agent1").get_json()
    assert [case["case_no"] for case in listed["items"]] == [no]
    assert listed["items"][0]["agent_request"]["home_visit"] is True

    assert listed["items"][0]["agent_request"]["contact_phone"] is None  # not before it is taken
    case = api.fire(no, "assign_agent", as_user="agent1")
    assert case["state"] == "agent_assigned" and case["agent"]["username"] == "agent1"
    assert case["agent_request"]["contact_phone"] == APPLICANT_PHONE  # the agent calls the applicant
    seen = api.get(f"/cases/{no}", as_user="supervisor1").get_json()
    assert seen["agent_request"]["contact_phone"] is None and "*" in seen["applicant"]["phone"]
    assert api.get("/cases?state=agent_requested", as_user="agent2").get_json()["total"] == 0

    when = visit_time()
    answer = api.post(f"/cases/{no}/visit", json={"at": when}, as_user="agent1")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["agent_request"]["visit_at"].startswith(when)
    assert answer.get_json()["agent_request"]["visit_address"] == HOME
    progress = api.get(f"/public/cases/{no}?phone={APPLICANT_PHONE}").get_json()
    assert progress["visit"] == {"home_visit": True, "at": answer.get_json()["agent_request"]["visit_at"]}
    kinds = [message["kind"] for message in sms()]
    assert kinds == ["agent_requested", "agent_visit_booked"]
    assert "上门" in sms()[-1]["text"] and "10:30" in sms()[-1]["text"]

    # Submitting needs the applicant's ID number; the materials must be the item's.
    api.fire(no, "submit", "agent1", expect=400, error="invalid_request")
    bad = api.post(
        f"/cases/{no}/transitions",
        json={
            "trigger": "submit",
            "data": {"applicant_id_number": APPLICANT_ID, "materials": [{"name": "户口本"}]},
        },
        as_user="agent1",
    )
    assert "data.materials.0" in assert_error(bad, 400, "invalid_request")["fields"]
    materials = [{"name": "高龄老人津贴申请表", "original_seen": True, "copies": 1}]
    case = api.fire(
        no, "submit", as_user="agent1", data={"applicant_id_number": APPLICANT_ID, "materials": materials}
    )
    assert case["state"] == "submitted" and case["materials"] == materials

    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_mz")
    api.fire(no, "approve", as_user="approver_mz", note=OPINION)
    api.fire(no, "notify_pickup", as_user="approver_mz")
    # The agent hands the result over at home: another agent may not.
    assert_error(
        api.post(
            f"/cases/{no}/transitions",
            json={"trigger": "deliver", "data": {"collector": SELF_COLLECTOR}},
            as_user="agent2",
        ),
        403,
        "forbidden",
    )
    case = api.fire(no, "deliver", as_user="agent1", data={"collector": SELF_COLLECTOR})
    assert case["state"] == "delivered" and case["collector"]["kind"] == "self"
    assert "receipt" in case["documents"]

    figures = api.get("/halls/xiqu/agent-stats", as_user="supervisor1").get_json()
    mine = next(row for row in figures["agents"] if row["username"] == "agent1")
    assert (mine["taken"], mine["submitted"], mine["handed_over"]) == (1, 1, 1)
    assert mine["median_take_s"] is not None and mine["median_take_s"] >= 0
    assert next(row for row in figures["agents"] if row["username"] == "agent2")["taken"] == 0


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"hall": "nowhere"}, "hall"),
        ({"service": "NO-SUCH"}, "service"),
        ({"service": "SCJG-006"}, "service"),  # 食品经营许可 offers no 代办
        ({"hall": "jinse", "service": "ZJJ-001"}, "service"),  # offers 代办, but not accepted at the station
        ({"applicant": {"name": "李阿婆"}}, "applicant.phone"),
        ({"applicant": {"name": "李阿婆", "phone": "12345"}}, "applicant.phone"),
        ({"home_visit": True, "reasons": ["elderly"]}, "address"),
        ({"home_visit": True, "address": HOME}, "reasons"),
        ({"home_visit": True, "address": HOME, "reasons": ["other"]}, "note"),
        ({"reasons": ["flying"]}, "reasons.0"),
    ],
)
def test_bad_requests_change_nothing(api, fields, bad):
    """Is bad input answered 400 naming the field, with no case made?"""
    before = count_cases(api)
    answer = ask(api, expect=400, **fields)
    assert answer["error"]["code"] == "invalid_request"
    assert bad in answer["error"]["details"]["fields"], answer
    assert count_cases(api) == before


def test_agents_act_on_their_own_hall_only(api, app, other_hall):
    """Is an agent of another hall refused (403) on this hall's requests, and so a visit by a non-holder?"""
    with app.app_context():
        agent = User(username="nanqu_agent", name="南区代办", roles=["agent"])
        agent.hall_id = db.session.scalar(db.text("SELECT id FROM halls WHERE code = 'nanqu'"))
        agent.set_password("demo")
        db.session.add(agent)
        db.session.commit()
    try:
        no = ask(api)["case_no"]
        assert api.get("/cases?state=agent_requested", as_user="nanqu_agent").get_json()["total"] == 0
        assert_error(api.get(f"/cases/{no}", as_user="nanqu_agent"), 403, "forbidden")
        refused = api.post(
            f"/cases/{no}/transitions", json={"trigger": "assign_agent"}, as_user="nanqu_agent"
        )
        assert_error(refused, 403, "forbidden")
        # Their own hall's request is theirs to take.
        theirs = ask(api, hall="nanqu")["case_no"]
        assert api.fire(theirs, "assign_agent", as_user="nanqu_agent")["state"] == "agent_assigned"

        api.fire(no, "assign_agent", as_user="agent1")
        assert_error(
            api.post(f"/cases/{no}/visit", json={"at": visit_time()}, as_user="agent2"), 403, "forbidden"
        )
        assert_error(
            api.post(f"/cases/{no}/visit", json={"at": visit_time()}, as_user="nanqu_agent"), 403, "forbidden"
        )
        assert_error(
            api.post(f"/cases/{no}/visit", json={"at": visit_time()}, as_user="clerk1"), 403, "forbidden"
        )
        # A visit in the past, or without an address for a request that gave none.
        past = api.post(f"/cases/{no}/visit", json={"at": "2020-01-01T10:00"}, as_user="agent1")
        assert "at" in assert_error(past, 400, "invalid_request")["fields"]
        nowhere = api.post(f"/cases/{no}/visit", json={"at": visit_time()}, as_user="agent1")
        assert "address" in assert_error(nowhere, 400, "invalid_request")["fields"]
        booked = api.post(f"/cases/{no}/visit", json={"at": visit_time(), "address": HOME}, as_user="agent1")
        assert booked.status_code == 200 and booked.get_json()["agent_request"]["home_visit"] is False
    finally:
        with app.app_context():
            from tests.conftest import reset_runtime_data

            reset_runtime_data()
            db.session.delete(db.session.scalar(db.select(User).where(User.username == "nanqu_agent")))
            db.session.commit()


def test_roster_and_figures_are_the_supervisors(api):
    """Does the hall's supervisor see its agents, and may an agent or clerk not?"""
    ask(api)
    roster = api.get("/halls/xiqu/agents", as_user="supervisor1").get_json()
    names = {row["username"]: row for row in roster}
    assert {"agent1", "agent2"} <= set(names) and "admin" not in names
    assert names["agent1"]["hall"] == "xiqu" and names["agent1"]["hall_waiting"] == 1
    assert_error(api.get("/halls/xiqu/agents", as_user="agent1"), 403, "forbidden")
    assert_error(api.get("/halls/xiqu/agent-stats", as_user="clerk1"), 403, "forbidden")
    assert_error(api.get("/halls/nowhere/agents", as_user="supervisor1"), 404, "not_found")
    bad = api.get("/halls/xiqu/agent-stats?from=2026-02-01&to=2026-01-01", as_user="supervisor1")
    assert_error(bad, 400, "invalid_request")


def test_a_station_request_is_its_agents(api):
    """Does a request at a 小区政务服务站 land in that station's agent list, and not the district's?"""
    no = ask(api, hall="jinse", service="MZ-001")["case_no"]
    listed = api.get("/cases?state=agent_requested", as_user="jinse_agent").get_json()
    assert [case["case_no"] for case in listed["items"]] == [no]
    assert api.get("/cases?state=agent_requested", as_user="agent1").get_json()["total"] == 0
    api.fire(no, "assign_agent", "agent1", expect=403, error="forbidden")
    assert api.fire(no, "assign_agent", as_user="jinse_agent")["agent"]["username"] == "jinse_agent"
