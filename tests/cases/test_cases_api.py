"""Cases through the API: every mode from intake to closed, permissions, bad input, documents, progress."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.cases.models import Case, CaseEvent
from queue_server.extensions import db
from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, _make_app, assert_error
from workflows import case as case_flow

OPINION = "材料齐全，符合法定条件，准予许可。"


def _decide(api, case_no: str, trigger: str = "approve") -> dict:
    api.fire(case_no, "claim", as_user="approver_scjg")
    return api.fire(case_no, trigger, as_user="approver_scjg", note=OPINION)


def _states(case: dict) -> list[str]:
    return [entry["to"] for entry in case["history"]]


# --- each mode, intake to closed ---


def test_once_case_walks_to_closed_by_mail(api):
    """Does a 一次办 case go from intake through approval and mail to closed, with every step recorded?"""
    case = api.open_case()
    assert case["state"] == "submitted" and case["delivery"]["method"] == "mail"
    assert case["history"][0]["from"] is None and case["history"][0]["actor"] == "clerk1"
    no = case["case_no"]

    case = api.fire(no, "accept", as_user="clerk1")
    assert case["state"] == "in_approval"  # dispatched to 市场监管 at once
    assert case["accepted_at"] and case["light"] == "green" and case["remaining_workdays"] == 5
    assert "acceptance" in case["documents"]

    assert api.fire(no, "claim", as_user="approver_scjg")["assignee"]["username"] == "approver_scjg"
    case = api.fire(no, "approve", as_user="approver_scjg", note=OPINION)
    assert case["state"] == "approved" and case["light"] is None and case["on_time"] is True
    case = api.fire(no, "mail", as_user="approver_scjg", data={"waybill_no": "SF1234567890"})
    assert case["state"] == "mailing" and case["waybill_no"] == "SF1234567890"
    api.fire(no, "deliver", as_user="clerk1")
    case = api.fire(no, "close", as_user="clerk1")

    assert case["state"] == "closed" and case["allowed_triggers"] == []
    assert _states(case) == ["submitted", "accepted", "in_approval", "reviewing", "approved", "mailing",
                             "delivered", "closed"]
    assert [entry["trigger"] for entry in case["history"]][-5:] == ["claim", "approve", "mail", "deliver", "close"]
    assert case["history"][4]["note"] == OPINION
    assert case["visits"] == 1 and case["extra_visit"] is False


def test_immediate_case_is_completed_in_one_sitting(api):
    """Is a 马上办 case completed on the spot, with no clock and a 办结 document?"""
    case = api.open_case(service="SCJG-004", mode="immediate", delivery={"method": "pickup"})
    case = api.fire(case["case_no"], "complete_on_spot", as_user="clerk1")
    assert case["state"] == "delivered"
    assert case["deadline"] is None and case["light"] is None and case["on_time"] is True
    assert case["documents"] == ["completion"]
    assert api.fire(case["case_no"], "close", as_user="clerk1")["state"] == "closed"


def test_immediate_case_that_needs_more_takes_the_normal_path(api):
    """Can a 马上办 case that turns out to need review be accepted and approved like any other?"""
    case = api.open_case(service="SCJG-004", mode="immediate", delivery={"method": "pickup"})
    no = case["case_no"]
    assert api.fire(no, "accept", as_user="clerk1")["deadline"] is not None
    _decide(api, no)
    assert api.fire(no, "notify_pickup", as_user="clerk1")["state"] == "ready_for_pickup"
    case = api.fire(no, "deliver", as_user="clerk1")
    assert case["state"] == "delivered" and case["visits"] == 2  # intake, then pickup
    assert api.fire(no, "close", as_user="clerk1")["state"] == "closed"


def test_online_case_goes_through_pre_review(api):
    """Does a 网上办 case start as a draft, pass pre-review and follow the core path?"""
    case = api.open_case(mode="online", delivery={"method": "pickup"})
    assert case["state"] == "draft" and case["visits"] == 0
    no = case["case_no"]
    assert api.fire(no, "submit", as_user="clerk1")["state"] == "pre_review"
    case = api.fire(no, "request_supplement", as_user="clerk1", data={"missing": ["营业场所使用证明"]})
    assert case["state"] == "awaiting_supplement" and case["missing"] == ["营业场所使用证明"]
    assert case["accepted_at"] is None and case["light"] is None  # the clock has not started
    assert api.fire(no, "supplement", as_user="clerk1")["state"] == "pre_review"
    assert api.fire(no, "pass_pre_review", as_user="clerk1")["state"] == "in_approval"
    _decide(api, no, "deny")
    api.fire(no, "notify_pickup", as_user="approver_scjg")
    api.fire(no, "deliver", as_user="clerk1")
    case = api.fire(no, "close", as_user="clerk1")
    assert _states(case)[:5] == ["draft", "pre_review", "awaiting_supplement", "pre_review", "accepted"]
    assert "denied" in _states(case) and case["state"] == "closed"


def test_agent_case_is_filed_by_its_agent(api):
    """Is a 代理办 case assigned to an agent who submits it, and then approved as usual?"""
    case = api.open_case(mode="agent", service="MZ-001", as_user="agent1", delivery={"method": "pickup"})
    assert case["state"] == "agent_requested"
    no = case["case_no"]
    case = api.fire(no, "assign_agent", as_user="supervisor1", data={"agent": "agent2"})
    assert case["state"] == "agent_assigned" and case["agent"]["username"] == "agent2"
    assert_error(api.post(f"/cases/{no}/transitions", json={"trigger": "submit"}, as_user="agent1"), 403, "forbidden")
    assert api.fire(no, "submit", as_user="agent2")["state"] == "submitted"
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_mz")
    api.fire(no, "approve", as_user="approver_mz", note=OPINION)
    api.fire(no, "notify_pickup", as_user="approver_mz")
    api.fire(no, "deliver", as_user="clerk2")
    assert api.fire(no, "close", as_user="supervisor1")["state"] == "closed"


def test_citywide_case_is_collected_at_the_chosen_hall(api, other_hall):
    """Is a 同城办 case accepted in one hall and handed over by a clerk of the hall the applicant chose?"""
    case = api.open_case(service="GAJ-001", mode="citywide", delivery={"method": "pickup", "hall": other_hall})
    no = case["case_no"]
    assert case["delivery"]["hall"] == other_hall
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_gaj")
    api.fire(no, "approve", as_user="approver_gaj", note=OPINION)
    api.fire(no, "notify_pickup", as_user="approver_gaj")
    nanqu_list = api.get("/cases?state=ready_for_pickup", as_user="nanqu_clerk").get_json()
    assert [item["case_no"] for item in nanqu_list["items"]] == [no]
    api.fire(no, "deliver", as_user="nanqu_clerk")
    assert api.fire(no, "close", as_user="nanqu_clerk")["state"] == "closed"


# --- refusals, supplements, deficiencies, suspension ---


def test_refusal_needs_a_reason_and_is_final(api):
    """Does 不予受理 require a reason, end the case and give a refusal document?"""
    no = api.open_case()["case_no"]
    details = assert_error(api.post(f"/cases/{no}/transitions", json={"trigger": "refuse"}, as_user="clerk1"),
                           400, "invalid_request")
    assert "note" in details["fields"]
    case = api.fire(no, "refuse", as_user="clerk1", note="申请事项不属于本机关职权范围")
    assert case["state"] == "not_accepted" and case["allowed_triggers"] == []
    assert case["documents"] == ["refusal"]


def test_accept_with_deficiency_holds_the_result_until_materials_arrive(api):
    """Does 容缺受理 list the missing materials with a due date, and block the hand-over until they are in?"""
    no = api.open_case(service="SCJG-001", mode="citywide", delivery={"method": "pickup"})["case_no"]
    deferrable = _deferrable_material(api, "SCJG-001")
    case = api.fire(no, "accept_with_deficiency", as_user="clerk1",
                    data={"deficiencies": [deferrable], "due": "2026-12-10"})
    assert case["deficiencies"] == [{"name": deferrable, "due": "2026-12-10", "received_at": None}]
    assert case["documents"] == ["deficiency"]
    _decide(api, no)
    api.fire(no, "notify_pickup", as_user="clerk1")

    details = assert_error(api.post(f"/cases/{no}/transitions", json={"trigger": "deliver"}, as_user="clerk1"),
                           409, "conflict")
    assert details["missing"] == [deferrable]
    case = api.fire(no, "deliver", as_user="clerk1", data={"received": [deferrable]})
    assert case["state"] == "delivered" and case["deficiencies"][0]["received_at"]


def test_deficiency_must_be_deferrable_and_due_later(api):
    """Is a required material refused as 容缺, and a due date in the past refused?"""
    no = api.open_case(service="SCJG-001", mode="citywide", delivery={"method": "pickup"})["case_no"]
    required = next(m["name"] for m in _materials(api, "SCJG-001") if not m["deferrable"])
    details = assert_error(api.post(f"/cases/{no}/transitions", as_user="clerk1", json={
        "trigger": "accept_with_deficiency", "data": {"deficiencies": [required], "due": "2026-12-10"}}),
        400, "invalid_request")
    assert "data.deficiencies.0" in details["fields"]
    details = assert_error(api.post(f"/cases/{no}/transitions", as_user="clerk1", json={
        "trigger": "accept_with_deficiency",
        "data": {"deficiencies": [_deferrable_material(api, "SCJG-001")], "due": "2026-11-30"}}),
        400, "invalid_request")
    assert "data.due" in details["fields"]
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["state"] == "submitted"


def test_second_visit_of_a_once_case_is_flagged(api):
    """Is a 一次办 case whose applicant must come back with materials counted and flagged?"""
    no = api.open_case()["case_no"]
    api.fire(no, "request_supplement", as_user="clerk1", data={"missing": ["营业场所使用证明"]})
    case = api.fire(no, "supplement", as_user="clerk1",
                    data={"materials": [{"name": "食品经营许可申请书", "original_seen": True, "copies": 1}]})
    assert case["state"] == "submitted" and case["visits"] == 2 and case["extra_visit"] is True
    assert case["documents"] == ["supplement"]


def test_suspension_stops_the_clock(api, advance):
    """Does a §45 suspension stop the clock, and the deadline move by the days it lasted?"""
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")  # Monday 2026-11-30
    api.fire(no, "claim", as_user="approver_scjg")
    advance(2 * 24 * 60)  # Wednesday 12-02
    case = api.fire(no, "suspend", as_user="approver_scjg", data={"kind": "expert_review"})
    assert case["state"] == "suspended" and case["clock_paused"] is True
    advance(2 * 24 * 60)  # Friday 12-04
    case = api.fire(no, "resume", as_user="approver_scjg")
    # Counted: Tue 12-01 only; 12-02 to 12-04 touched by the pause; then 12-07 … 12-10.
    assert case["clock_paused"] is False and case["deadline"] == "2026-12-10"
    assert case["history"][-2]["data"] == {"kind": "expert_review"}


# --- deadlines on the calendar ---


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_deadline_across_national_day_2026(api):
    """Is a 5-working-day limit accepted on 2026-09-30 due on 2026-10-13 (国庆 holidays, 10-10 worked)?"""
    clock.freeze(_at(2026, 9, 30))
    case = api.fire(api.open_case()["case_no"], "accept", as_user="clerk1")
    assert case["deadline"] == "2026-10-13" and case["remaining_workdays"] == 5
    clock.freeze(_at(2026, 10, 12))
    case = api.get(f"/cases/{case['case_no']}", as_user="clerk1").get_json()
    assert case["remaining_workdays"] == 1 and case["light"] == "yellow"
    clock.freeze(_at(2026, 10, 14))
    case = api.get(f"/cases/{case['case_no']}", as_user="clerk1").get_json()
    assert case["remaining_workdays"] == -1 and case["light"] == "red"


def test_deadline_across_new_year_into_2027(api):
    """Is a 5-working-day limit accepted on 2026-12-29 due on 2027-01-06 (元旦 and the weekend skipped)?"""
    clock.freeze(_at(2026, 12, 29))
    case = api.fire(api.open_case()["case_no"], "accept", as_user="clerk1")
    assert case["deadline"] == "2027-01-06"


def test_supplement_pause_moves_the_deadline(api, advance):
    """Does a supplement notice during review stop the clock until the day after the materials arrive?"""
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")  # Monday 2026-11-30, due 12-07
    api.fire(no, "claim", as_user="approver_scjg")
    advance(2 * 24 * 60)  # Wednesday 12-02
    case = api.fire(no, "request_supplement", as_user="approver_scjg", data={"missing": ["从业人员健康证明"]})
    assert case["clock_paused"] is True
    advance(24 * 60)  # Thursday 12-03: if it ran again from now on, it would be due 12-09
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["deadline"] == "2026-12-09"
    advance(24 * 60)  # Friday 12-04
    case = api.fire(no, "supplement", as_user="clerk1")
    assert case["state"] == "reviewing" and case["deadline"] == "2026-12-10" and case["clock_paused"] is False


def test_decision_after_the_deadline_is_late(api):
    """Is a decision made after the deadline marked late, and the light gone after it?"""
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_scjg")
    clock.freeze(_at(2026, 12, 8))
    case = api.fire(no, "approve", as_user="approver_scjg", note=OPINION)
    assert case["deadline"] == "2026-12-07" and case["on_time"] is False and case["light"] is None


# --- 409 and 403 ---


def _walk_to_every_state(api) -> dict[str, str]:
    """Leave one case resting in each reachable state; return state -> case number."""
    cases: dict[str, str] = {}

    def fresh(**fields) -> str:
        return api.open_case(**fields)["case_no"]

    no = fresh()
    cases["submitted"] = no
    for state, steps in {
        "awaiting_supplement": [("request_supplement", "clerk1", {"missing": ["营业场所使用证明"]})],
        "not_accepted": [("refuse", "clerk1", None)],
        "in_approval": [("accept", "clerk1", None)],
        "reviewing": [("accept", "clerk1", None), ("claim", "approver_scjg", None)],
        "suspended": [("accept", "clerk1", None), ("claim", "approver_scjg", None), ("suspend", "approver_scjg", {"kind": "hearing"})],
        "approved": [("accept", "clerk1", None), ("claim", "approver_scjg", None), ("approve", "approver_scjg", None)],
        "denied": [("accept", "clerk1", None), ("claim", "approver_scjg", None), ("deny", "approver_scjg", None)],
        "mailing": [("accept", "clerk1", None), ("claim", "approver_scjg", None), ("approve", "approver_scjg", None),
                    ("mail", "clerk1", {"waybill_no": "SF000111222"})],
        "ready_for_pickup": [("accept", "clerk1", None), ("claim", "approver_scjg", None), ("approve", "approver_scjg", None),
                             ("notify_pickup", "clerk1", None)],
        "delivered": [("accept", "clerk1", None), ("claim", "approver_scjg", None), ("approve", "approver_scjg", None),
                      ("notify_pickup", "clerk1", None), ("deliver", "clerk1", None)],
        "closed": [("accept", "clerk1", None), ("claim", "approver_scjg", None), ("approve", "approver_scjg", None),
                   ("notify_pickup", "clerk1", None), ("deliver", "clerk1", None), ("close", "clerk1", None)],
        "withdrawn": [("withdraw", "clerk1", None)],
    }.items():
        no = fresh()
        for trigger, user, data in steps:
            api.fire(no, trigger, as_user=user, data=data, note=OPINION if trigger in ("refuse", "approve", "deny") else None)
        cases[state] = no
    online = fresh(mode="online", delivery={"method": "pickup"})
    cases["draft"] = online
    cases["pre_review"] = fresh(mode="online", delivery={"method": "pickup"})
    api.fire(cases["pre_review"], "submit", as_user="clerk1")
    cases["agent_requested"] = fresh(mode="agent", service="MZ-001", delivery={"method": "pickup"}, as_user="agent1")
    cases["agent_assigned"] = fresh(mode="agent", service="MZ-001", delivery={"method": "pickup"}, as_user="agent1")
    api.fire(cases["agent_assigned"], "assign_agent", as_user="agent1")
    return cases


def test_every_illegal_trigger_of_every_state_is_409(api):
    """Is every trigger a state does not allow (and an unknown one) answered 409 with the allowed list, changing nothing?"""
    all_triggers = sorted(case_flow.ROLES) + ["fly_away"]
    cases = _walk_to_every_state(api)
    reached = {state for definition in case_flow.DEFINITIONS.values() for state in definition.states}
    assert reached - set(cases) == {"accepted"}  # accepted passes straight on to in_approval
    for state, no in cases.items():
        before = api.get(f"/cases/{no}", as_user="admin").get_json()
        assert before["state"] == state
        allowed = case_flow.definition(before["mode"]).allowed_triggers(state)
        for trigger in all_triggers:
            if trigger in allowed:
                continue
            answer = api.post(f"/cases/{no}/transitions", json={"trigger": trigger}, as_user="admin")
            details = assert_error(answer, 409, "invalid_transition")
            assert details == {"state": state, "trigger": trigger, "allowed": allowed}
        after = api.get(f"/cases/{no}", as_user="admin").get_json()
        assert after["history"] == before["history"]


def test_answer_order_is_404_then_409_then_403(api):
    """Is an unknown case 404, an illegal trigger 409 even for the wrong role, and a wrong role 403?"""
    assert_error(api.post("/cases/XIQU-20261130-9999/transitions", json={"trigger": "accept"}, as_user="supervisor1"),
                 404, "not_found")
    no = api.open_case()["case_no"]
    assert_error(api.post(f"/cases/{no}/transitions", json={"trigger": "approve"}, as_user="supervisor1"),
                 409, "invalid_transition")
    assert_error(api.post(f"/cases/{no}/transitions", json={"trigger": "accept"}, as_user="approver_scjg"),
                 403, "forbidden")


def test_approver_acts_only_on_own_department_and_own_claims(api, app):
    """May an approver of another department, or a colleague who did not claim it, decide the case? (403)"""
    with app.app_context():
        colleague = User(username="approver_scjg2", name="市场监管二", roles=["approver"],
                         hall=db.session.scalar(db.select(User).where(User.username == "clerk1")).hall,
                         department=db.session.scalar(db.select(User).where(User.username == "approver_scjg")).department)
        colleague.set_password("demo")
        db.session.add(colleague)
        db.session.commit()
    try:
        no = api.open_case()["case_no"]
        api.fire(no, "accept", as_user="clerk1")
        assert_error(api.post(f"/cases/{no}/transitions", json={"trigger": "claim"}, as_user="approver_mz"), 403, "forbidden")
        assert api.get(f"/cases/{no}", as_user="approver_mz").status_code == 403
        api.fire(no, "claim", as_user="approver_scjg")
        assert_error(api.post(f"/cases/{no}/transitions", json={"trigger": "approve", "note": OPINION},
                              as_user="approver_scjg2"), 403, "forbidden")
        case = api.fire(no, "reassign", as_user="approver_scjg", data={"assignee": "approver_scjg2"})
        assert case["assignee"]["username"] == "approver_scjg2"
        assert api.fire(no, "approve", as_user="approver_scjg2", note=OPINION)["state"] == "approved"
        approvers = api.get("/departments/scjg/approvers", as_user="approver_scjg").get_json()
        assert [a["username"] for a in approvers] == ["approver_scjg", "approver_scjg2"]
    finally:
        with app.app_context():
            db.session.execute(db.delete(CaseEvent))
            db.session.execute(db.text("DELETE FROM case_pauses"))
            db.session.execute(db.delete(Case))
            db.session.execute(db.delete(User).where(User.username == "approver_scjg2"))
            db.session.commit()


def test_clerk_of_another_hall_is_refused(api, other_hall):
    """Can a clerk of another hall open a case here or accept one of ours? (403)"""
    assert_error(api.post("/cases", as_user="nanqu_clerk", json={
        "service": "SCJG-006", "hall": "xiqu", "mode": "once",
        "applicant": {"name": "张三", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
        "delivery": {"method": "mail", "address": "广东省中山市西区富华道1号"}}), 403, "forbidden")
    no = api.open_case()["case_no"]
    assert_error(api.post(f"/cases/{no}/transitions", json={"trigger": "accept"}, as_user="nanqu_clerk"),
                 403, "forbidden")


def test_allowed_triggers_are_those_the_user_may_fire(api):
    """Does each user see only the triggers they may fire in the current state?"""
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    assert api.get(f"/cases/{no}", as_user="approver_scjg").get_json()["allowed_triggers"] == ["claim"]
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["allowed_triggers"] == ["withdraw"]


# --- bad input ---


@pytest.mark.parametrize("change, field", [
    ({"applicant": {"name": "张三", "id_number": "442000199001011234", "phone": APPLICANT_PHONE}}, "applicant.id_number"),
    ({"applicant": {"name": "张三", "id_number": "44200019901301123X", "phone": APPLICANT_PHONE}}, "applicant.id_number"),
    ({"applicant": {"name": "张三", "id_number": APPLICANT_ID, "phone": "12345"}}, "applicant.phone"),
    ({"applicant": {"name": "", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE}}, "applicant.name"),
    ({"applicant": None}, "applicant"),
    ({"service": "NOPE-001"}, "service"),
    ({"hall": "nowhere"}, "hall"),
    ({"mode": "teleport"}, "mode"),
    ({"service": "SCJG-007"}, "mode"),  # 食品经营许可（延续） is online only
    ({"delivery": {"method": "mail"}}, "delivery.address"),
    ({"delivery": None}, "delivery.address"),  # a once case is mailed by default: the address is needed
    ({"ticket_id": 999999}, "ticket_id"),
    ({"ticket_id": "7"}, "ticket_id"),
    ({"materials": [{"name": "不存在的材料"}]}, "materials.0"),
    ({"materials": [{"name": "食品经营许可申请书", "copies": -1}]}, "materials.0.copies"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_intake_is_400_and_creates_nothing(api, app, change, field):
    """Is each bad intake answered 400 naming the field, with no case created?"""
    body = {"service": "SCJG-006", "hall": "xiqu", "mode": "once",
            "applicant": {"name": "张三", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
            "delivery": {"method": "mail", "address": "广东省中山市西区富华道1号"}}
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    details = assert_error(api.post("/cases", json=body, as_user="clerk1"), 400, "invalid_request")
    assert field in details["fields"], details
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


@pytest.mark.parametrize("trigger, data, field", [
    ("request_supplement", None, "data.missing"),
    ("request_supplement", {"missing": []}, "data.missing"),
    ("request_supplement", {"missing": "营业执照"}, "data.missing"),
    ("accept", {"unexpected": 1}, "data.unexpected"),
    ("accept_with_deficiency", {"deficiencies": ["x"]}, "data.due"),
])
def test_bad_trigger_data_is_400(api, trigger, data, field):
    """Is malformed trigger data answered 400 with the field, leaving the case as it was?"""
    no = api.open_case()["case_no"]
    answer = api.post(f"/cases/{no}/transitions", json={"trigger": trigger, "data": data}, as_user="clerk1")
    assert field in assert_error(answer, 400, "invalid_request")["fields"]
    assert len(api.get(f"/cases/{no}", as_user="clerk1").get_json()["history"]) == 1


def test_malformed_transition_bodies_are_400(api):
    """Are a non-JSON body and a missing trigger answered 400?"""
    no = api.open_case()["case_no"]
    headers = {**api.headers("clerk1"), "Content-Type": "application/json"}
    assert_error(api.client.post(f"/api/v1/cases/{no}/transitions", data="{not json", headers=headers), 400, "invalid_request")
    assert "trigger" in assert_error(api.post(f"/cases/{no}/transitions", json={}, as_user="clerk1"),
                                     400, "invalid_request")["fields"]


def test_staff_endpoints_need_a_token(api):
    """Are the case endpoints closed to anonymous clients? (401)"""
    assert_error(api.get("/cases"), 401, "unauthorized")
    assert_error(api.post("/cases", json={}), 401, "unauthorized")


# --- lists ---


def test_lists_are_scoped_and_filtered(api):
    """Does an approver list only their department's cases, and do the filters work?"""
    food = api.open_case()["case_no"]
    welfare = api.open_case(service="MZ-001")["case_no"]
    api.fire(food, "accept", as_user="clerk1")
    api.fire(welfare, "accept", as_user="clerk1")

    scjg = api.get("/cases", as_user="approver_scjg").get_json()
    assert [item["case_no"] for item in scjg["items"]] == [food] and scjg["total"] == 1
    clerk = api.get("/cases?state=in_approval", as_user="clerk1").get_json()
    assert {item["case_no"] for item in clerk["items"]} == {food, welfare}
    assert api.get(f"/cases?q={APPLICANT_ID}&department=mz", as_user="clerk1").get_json()["total"] == 1
    assert api.get(f"/cases?q={food}", as_user="clerk1").get_json()["items"][0]["case_no"] == food
    assert api.get("/cases?light=green", as_user="clerk1").get_json()["total"] == 2
    assert api.get("/cases?light=red", as_user="clerk1").get_json()["total"] == 0
    assert api.get("/cases?limit=1", as_user="clerk1").get_json()["total"] == 2
    assert "limit" in assert_error(api.get("/cases?limit=0", as_user="clerk1"), 400, "invalid_request")["fields"]
    assert "light" in assert_error(api.get("/cases?light=blue", as_user="clerk1"), 400, "invalid_request")["fields"]


def test_two_cases_get_distinct_numbers(api):
    """Are case numbers per hall and day, counting up?"""
    first, second = api.open_case()["case_no"], api.open_case()["case_no"]
    assert (first, second) == ("XIQU-20261130-0001", "XIQU-20261130-0002")


# --- documents ---


@pytest.mark.parametrize("steps, kind", [
    ([("accept", None, None)], "acceptance"),
    ([("accept_with_deficiency", None, "deficiency")], "deficiency"),
    ([("request_supplement", None, {"missing": ["营业场所使用证明"]})], "supplement"),
    ([("refuse", "申请人不具备申请资格", None)], "refusal"),
])
def test_documents_open_and_carry_the_case_number(api, steps, kind):
    """Does each document open as a PDF holding the case number and the applicant's name?"""
    service = "SCJG-001"  # 营业执照（企业设立登记）: 同城办, with a deferrable material
    no = api.open_case(service=service, mode="citywide", delivery={"method": "pickup"})["case_no"]
    for trigger, note, data in steps:
        if data == "deficiency":
            data = {"deficiencies": [_deferrable_material(api, service)], "due": "2026-12-10"}
        api.fire(no, trigger, as_user="clerk1", note=note, data=data)
    answer = api.get(f"/cases/{no}/documents/{kind}", as_user="clerk1")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)
    assert no in text and "张三" in text


def test_a_document_the_case_never_got_is_404(api):
    """Is a document the case has not been given, or an unknown kind, answered 404?"""
    no = api.open_case()["case_no"]
    assert_error(api.get(f"/cases/{no}/documents/acceptance", as_user="clerk1"), 404, "not_found")
    assert_error(api.get(f"/cases/{no}/documents/poster", as_user="clerk1"), 404, "not_found")


# --- public progress ---


def test_public_progress_is_masked_and_needs_the_phone(api):
    """Does the public progress page show state and history, masked, only for the applicant's phone?"""
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    progress = api.get(f"/public/cases/{no}?phone={APPLICANT_PHONE}").get_json()
    assert progress["state"] == "in_approval" and progress["deadline"] == "2026-12-07"
    assert [entry["state"] for entry in progress["history"]] == ["submitted", "accepted", "in_approval"]
    assert progress["applicant"] == {"name": "张*", "phone": "138****8000"}
    assert APPLICANT_ID not in str(progress)
    assert_error(api.get(f"/public/cases/{no}?phone=13900139000"), 404, "not_found")
    assert_error(api.get(f"/public/cases/NOPE?phone={APPLICANT_PHONE}"), 404, "not_found")
    assert "phone" in assert_error(api.get(f"/public/cases/{no}"), 400, "invalid_request")["fields"]


def test_wrong_phone_guesses_are_rate_limited(database_url, app, api):
    """After too many wrong phone numbers for a case, is the client answered 429?"""
    no = api.open_case()["case_no"]
    limited = _make_app(database_url, {"RATELIMIT_ENABLED": True, "RATELIMIT_PROGRESS_GUESSES": "3/hour"})
    client = limited.test_client()
    assert client.get(f"/api/v1/public/cases/{no}?phone={APPLICANT_PHONE}").status_code == 200  # not counted
    for guess in ("13900000001", "13900000002", "13900000003"):
        assert client.get(f"/api/v1/public/cases/{no}?phone={guess}").status_code == 404
    assert_error(client.get(f"/api/v1/public/cases/{no}?phone={APPLICANT_PHONE}"), 429, "rate_limited")


# --- helpers ---


def _materials(api, service: str) -> list[dict]:
    return api.get(f"/services/{service}").get_json()["materials"]


def _deferrable_material(api, service: str) -> str:
    return next(m["name"] for m in _materials(api, service) if m["deferrable"])


# --- 主题式服务 (一件事) ---


def test_bundle_is_approved_in_parallel_and_picked_up_once(api):
    """Does a 主题式 case take in once, go to each department in parallel, and close all with one pickup?"""
    parent = api.open_case(service="YJS-001", mode="bundle", delivery={"method": "pickup"})
    no = parent["case_no"]
    children = {child["service"]: child["case_no"] for child in parent["children"]}
    assert set(children) == {"SCJG-001", "SCJG-006", "CGJ-002", "ZJJ-003"}
    assert {child["state"] for child in parent["children"]} == {"submitted"}

    parent = api.fire(no, "accept", as_user="clerk1")
    assert parent["state"] == "in_approval" and parent["deadline"]
    assert {child["state"] for child in parent["children"]} == {"in_approval"}
    # A part is not handed over by itself, nor the bundle before every part is decided.
    assert_error(api.post(f"/cases/{children['CGJ-002']}/transitions", json={"trigger": "withdraw"}, as_user="clerk1"),
                 409, "conflict")
    assert_error(api.post(f"/cases/{no}/transitions", json={"trigger": "notify_pickup"}, as_user="clerk1"), 409, "conflict")
    # The approver of 市场监管 sees the parts of their department, never the bundle itself.
    listed = {item["case_no"] for item in api.get("/cases", as_user="approver_scjg").get_json()["items"]}
    assert listed == {children["SCJG-001"], children["SCJG-006"]}

    for service, approver in (("SCJG-001", "approver_scjg"), ("SCJG-006", "approver_scjg"), ("CGJ-002", "approver_cgj")):
        api.fire(children[service], "claim", as_user=approver)
        api.fire(children[service], "approve", as_user=approver, note=OPINION)
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["state"] == "in_approval"
    api.fire(children["ZJJ-003"], "claim", as_user="approver_zjj")
    api.fire(children["ZJJ-003"], "deny", as_user="approver_zjj", note="排水设施不符合要求")

    parent = api.get(f"/cases/{no}", as_user="clerk1").get_json()
    assert parent["state"] == "ready_for_pickup" and parent["decided_at"] and parent["on_time"] is True
    assert {child["state"] for child in parent["children"]} == {"ready_for_pickup"}
    api.fire(no, "deliver", as_user="clerk1")
    parent = api.fire(no, "close", as_user="clerk1")
    assert parent["state"] == "closed" and {child["state"] for child in parent["children"]} == {"closed"}
    child = api.get(f"/cases/{children['ZJJ-003']}", as_user="clerk1").get_json()
    assert child["parent"] == no
    assert [entry["to"] for entry in child["history"]][-4:] == ["denied", "ready_for_pickup", "delivered", "closed"]


def test_bundle_by_mail_waits_for_every_part(api):
    """Is a mailed bundle sent, with one waybill for all parts, only once every part is decided?"""
    parent = api.open_case(service="YJS-002", mode="bundle")  # the default delivery is by mail
    no = parent["case_no"]
    api.fire(no, "accept", as_user="clerk2")
    for child in parent["children"]:
        approver = f"approver_{child['department']}"
        api.fire(child["case_no"], "claim", as_user=approver)
        api.fire(child["case_no"], "approve", as_user=approver, note=OPINION)
    parent = api.get(f"/cases/{no}", as_user="clerk1").get_json()
    assert parent["state"] == "in_approval" and parent["decided_at"]  # mailed: the clerk books the waybill
    parent = api.fire(no, "mail", as_user="clerk1", data={"waybill_no": "EMS1234567890"})
    assert parent["state"] == "mailing" and {c["state"] for c in parent["children"]} == {"mailing"}


def test_bundle_needs_a_bundle_item(api):
    """Is mode bundle refused for an item that bundles nothing, and a bundle item in another mode?"""
    body = {"service": "SCJG-006", "hall": "xiqu", "mode": "bundle",
            "applicant": {"name": "张三", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
            "delivery": {"method": "pickup"}}
    assert "mode" in assert_error(api.post("/cases", json=body, as_user="clerk1"), 400, "invalid_request")["fields"]
    body |= {"service": "YJS-001", "mode": "once"}
    assert "mode" in assert_error(api.post("/cases", json=body, as_user="clerk1"), 400, "invalid_request")["fields"]
