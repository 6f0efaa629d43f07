"""Case API rules: every illegal trigger is 409, who may act (403), bad input (400), scoped lists."""

import pytest

from queue_server.accounts.models import User
from queue_server.cases.models import Case, CaseEvent
from queue_server.extensions import db
from tests.cases.test_cases_api import OPINION
from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, assert_error, case_body
from workflows import case as case_flow

# --- 409 and 403 ---


def _walk_to_every_state(api) -> dict[str, str]:
    """Leave one case resting in each reachable state; return state -> case number."""
    cases: dict[str, str] = {}

    def fresh(**fields) -> str:
        return api.open_case(**fields)["case_no"]

    no = fresh()
    cases["submitted"] = no
    # The steps of the main way, named once: most states below are reached by a prefix of it.
    accept, claim = ("accept", "clerk1", None), ("claim", "approver_scjg", None)
    approve, notify = ("approve", "approver_scjg", None), ("notify_pickup", "clerk1", None)
    deliver = ("deliver", "clerk1", None)
    for state, steps in {
        "awaiting_supplement": [("request_supplement", "clerk1", {"missing": ["营业场所使用证明"]})],
        "not_accepted": [("refuse", "clerk1", None)],
        "in_approval": [accept],
        "reviewing": [accept, claim],
        "suspended": [accept, claim, ("suspend", "approver_scjg", {"kind": "hearing"})],
        "approved": [accept, claim, approve],
        "denied": [accept, claim, ("deny", "approver_scjg", None)],
        "mailing": [accept, claim, approve, ("mail", "clerk1", {"waybill_no": "SF000111222"})],
        "ready_for_pickup": [accept, claim, approve, notify],
        "delivered": [accept, claim, approve, notify, deliver],
        "closed": [accept, claim, approve, notify, deliver, ("close", "clerk1", None)],
        "withdrawn": [("withdraw", "clerk1", None)],
    }.items():
        no = fresh()
        for trigger, user, data in steps:
            api.fire(
                no,
                trigger,
                as_user=user,
                data=data,
                note=OPINION if trigger in ("refuse", "approve", "deny") else None,
            )
        cases[state] = no
    online = fresh(mode="online", delivery={"method": "pickup"})
    cases["draft"] = online
    cases["pre_review"] = fresh(mode="online", delivery={"method": "pickup"})
    api.fire(cases["pre_review"], "submit", as_user="clerk1")
    cases["agent_requested"] = fresh(
        mode="agent", service="MZ-001", delivery={"method": "pickup"}, as_user="agent1"
    )
    cases["agent_assigned"] = fresh(
        mode="agent", service="MZ-001", delivery={"method": "pickup"}, as_user="agent1"
    )
    api.fire(cases["agent_assigned"], "assign_agent", as_user="agent1")
    return cases


def test_every_illegal_trigger_of_every_state_is_409(api):
    """Is every trigger a state does not allow (and an unknown one) answered 409 with the allowed list,
    changing nothing?"""
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
    api.fire("XIQU-20261130-9999", "accept", "supervisor1", expect=404, error="not_found")
    no = api.open_case()["case_no"]
    api.fire(no, "approve", "supervisor1", expect=409, error="invalid_transition")
    api.fire(no, "accept", "approver_scjg", expect=403, error="forbidden")


def test_approver_acts_only_on_own_department_and_own_claims(api, app):
    """May an approver of another department, or a colleague who did not claim it, decide the case? (403)"""
    with app.app_context():
        colleague = User(
            username="approver_scjg2",
            name="市场监管二",
            roles=["approver"],
            hall=db.session.scalar(db.select(User).where(User.username == "clerk1")).hall,
            department=db.session.scalar(db.select(User).where(User.username == "approver_scjg")).department,
        )
        colleague.set_password("demo")
        db.session.add(colleague)
        db.session.commit()
    try:
        no = api.open_case()["case_no"]
        api.fire(no, "accept", as_user="clerk1")
        api.fire(no, "claim", "approver_mz", expect=403, error="forbidden")
        assert api.get(f"/cases/{no}", as_user="approver_mz").status_code == 403
        api.fire(no, "claim", as_user="approver_scjg")
        assert_error(
            api.post(
                f"/cases/{no}/transitions",
                json={"trigger": "approve", "note": OPINION},
                as_user="approver_scjg2",
            ),
            403,
            "forbidden",
        )
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
    assert_error(api.post("/cases", as_user="nanqu_clerk", json=case_body()), 403, "forbidden")
    no = api.open_case()["case_no"]
    api.fire(no, "accept", "nanqu_clerk", expect=403, error="forbidden")


def test_allowed_triggers_are_those_the_user_may_fire(api):
    """Does each user see only the triggers they may fire in the current state?"""
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    assert api.get(f"/cases/{no}", as_user="approver_scjg").get_json()["allowed_triggers"] == ["claim"]
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["allowed_triggers"] == ["withdraw"]


# --- bad input ---


@pytest.mark.parametrize(
    "change, field",
    [
        (
            {"applicant": {"name": "张三", "id_number": "442000199001011234", "phone": APPLICANT_PHONE}},
            "applicant.id_number",
        ),
        (
            {"applicant": {"name": "张三", "id_number": "44200019901301123X", "phone": APPLICANT_PHONE}},
            "applicant.id_number",
        ),
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
    ],
)
def test_bad_intake_is_400_and_creates_nothing(api, app, change, field):
    """Is each bad intake answered 400 naming the field, with no case created?"""
    body = {
        "service": "SCJG-006",
        "hall": "xiqu",
        "mode": "once",
        "applicant": {"name": "张三", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
        "delivery": {"method": "mail", "address": "广东省中山市西区富华道1号"},
    }
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    details = assert_error(api.post("/cases", json=body, as_user="clerk1"), 400, "invalid_request")
    assert field in details["fields"], details
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(
    "trigger, data, field",
    [
        ("request_supplement", None, "data.missing"),
        ("request_supplement", {"missing": []}, "data.missing"),
        ("request_supplement", {"missing": "营业执照"}, "data.missing"),
        ("accept", {"unexpected": 1}, "data.unexpected"),
        ("accept_with_deficiency", {"deficiencies": ["x"]}, "data.due"),
    ],
)
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
    assert_error(
        api.client.post(f"/api/v1/cases/{no}/transitions", data="{not json", headers=headers),
        400,
        "invalid_request",
    )
    assert (
        "trigger"
        in assert_error(
            api.post(f"/cases/{no}/transitions", json={}, as_user="clerk1"), 400, "invalid_request"
        )["fields"]
    )


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
    assert (
        "limit" in assert_error(api.get("/cases?limit=0", as_user="clerk1"), 400, "invalid_request")["fields"]
    )
    assert (
        "light"
        in assert_error(api.get("/cases?light=blue", as_user="clerk1"), 400, "invalid_request")["fields"]
    )


def test_two_cases_get_distinct_numbers(api):
    """Are case numbers per hall and day, counting up?"""
    first, second = api.open_case()["case_no"], api.open_case()["case_no"]
    assert (first, second) == ("XIQU-20261130-0001", "XIQU-20261130-0002")
