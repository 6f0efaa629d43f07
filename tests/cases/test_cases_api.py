"""Cases through the API: every mode from intake to closed, permissions, bad input, documents, progress."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from queue_server.calendar import clock
from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, PICKUP, _make_app, assert_error, case_body

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
    assert _states(case) == [
        "submitted",
        "accepted",
        "in_approval",
        "reviewing",
        "approved",
        "mailing",
        "delivered",
        "closed",
    ]
    assert [entry["trigger"] for entry in case["history"]][-5:] == [
        "claim",
        "approve",
        "mail",
        "deliver",
        "close",
    ]
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
    api.fire(no, "submit", "agent1", expect=403, error="forbidden")
    assert api.fire(no, "submit", as_user="agent2")["state"] == "submitted"
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_mz")
    api.fire(no, "approve", as_user="approver_mz", note=OPINION)
    api.fire(no, "notify_pickup", as_user="approver_mz")
    api.fire(no, "deliver", as_user="clerk2")
    assert api.fire(no, "close", as_user="supervisor1")["state"] == "closed"


def test_citywide_case_is_collected_at_the_chosen_hall(api, other_hall):
    """Is a 同城办 case accepted in one hall and handed over by a clerk of the hall the applicant chose?"""
    case = api.open_case(
        service="GAJ-001", mode="citywide", delivery={"method": "pickup", "hall": other_hall}
    )
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
    details = api.fire(no, "refuse", "clerk1", expect=400, error="invalid_request")
    assert "note" in details["fields"]
    case = api.fire(no, "refuse", as_user="clerk1", note="申请事项不属于本机关职权范围")
    assert case["state"] == "not_accepted" and case["allowed_triggers"] == []
    assert case["documents"] == ["refusal"]


def test_accept_with_deficiency_holds_the_result_until_materials_arrive(api):
    """Does 容缺受理 list the missing materials with a due date, and block the hand-over until they are in?"""
    no = api.open_case(service="SCJG-001", mode="citywide", delivery={"method": "pickup"})["case_no"]
    deferrable = _deferrable_material(api, "SCJG-001")
    case = api.fire(
        no,
        "accept_with_deficiency",
        as_user="clerk1",
        data={"deficiencies": [deferrable], "due": "2026-12-10"},
    )
    assert case["deficiencies"] == [{"name": deferrable, "due": "2026-12-10", "received_at": None}]
    assert case["documents"] == ["deficiency"]
    _decide(api, no)
    api.fire(no, "notify_pickup", as_user="clerk1")

    details = api.fire(no, "deliver", "clerk1", expect=409, error="conflict")
    assert details["missing"] == [deferrable]
    case = api.fire(no, "deliver", as_user="clerk1", data={"received": [deferrable]})
    assert case["state"] == "delivered" and case["deficiencies"][0]["received_at"]


def test_deficiency_must_be_deferrable_and_due_later(api):
    """Is a required material refused as 容缺, and a due date in the past refused?"""
    no = api.open_case(service="SCJG-001", mode="citywide", delivery={"method": "pickup"})["case_no"]
    required = next(m["name"] for m in _materials(api, "SCJG-001") if not m["deferrable"])
    not_deferrable = {"deficiencies": [required], "due": "2026-12-10"}
    details = api.fire(
        no, "accept_with_deficiency", "clerk1", data=not_deferrable, expect=400, error="invalid_request"
    )
    assert "data.deficiencies.0" in details["fields"]
    past = {"deficiencies": [_deferrable_material(api, "SCJG-001")], "due": "2026-11-30"}
    details = api.fire(no, "accept_with_deficiency", "clerk1", data=past, expect=400, error="invalid_request")
    assert "data.due" in details["fields"]
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["state"] == "submitted"


def test_second_visit_of_a_once_case_is_flagged(api):
    """Is a 一次办 case whose applicant must come back with materials counted and flagged?"""
    no = api.open_case()["case_no"]
    api.fire(no, "request_supplement", as_user="clerk1", data={"missing": ["营业场所使用证明"]})
    case = api.fire(
        no,
        "supplement",
        as_user="clerk1",
        data={"materials": [{"name": "食品经营许可申请书", "original_seen": True, "copies": 1}]},
    )
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


# --- documents ---


@pytest.mark.parametrize(
    "steps, kind",
    [
        ([("accept", None, None)], "acceptance"),
        ([("accept_with_deficiency", None, "deficiency")], "deficiency"),
        ([("request_supplement", None, {"missing": ["营业场所使用证明"]})], "supplement"),
        ([("refuse", "申请人不具备申请资格", None)], "refusal"),
    ],
)
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
    # 营业执照 first; the parts that need it wait for it (tests/cases/test_bundles.py).
    assert {child["service"]: child["state"] for child in parent["children"]} == {
        "SCJG-001": "in_approval",
        "SCJG-006": "submitted",
        "CGJ-002": "submitted",
        "ZJJ-003": "submitted",
    }
    api.fire(children["SCJG-001"], "claim", as_user="approver_scjg")
    api.fire(children["SCJG-001"], "approve", as_user="approver_scjg", note=OPINION)
    # A part is not handed over by itself, nor the bundle before every part is decided.
    api.fire(children["CGJ-002"], "withdraw", "clerk1", expect=409, error="conflict")
    api.fire(no, "notify_pickup", "clerk1", expect=409, error="conflict")
    # The approver of 市场监管 sees the parts of their department, never the bundle itself.
    listed = {item["case_no"] for item in api.get("/cases", as_user="approver_scjg").get_json()["items"]}
    assert listed == {children["SCJG-001"], children["SCJG-006"]}

    for service, approver in (
        ("SCJG-006", "approver_scjg"),
        ("CGJ-002", "approver_cgj"),
    ):
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
    assert [entry["to"] for entry in child["history"]][-4:] == [
        "denied",
        "ready_for_pickup",
        "delivered",
        "closed",
    ]


def test_bundle_by_mail_waits_for_every_part(api):
    """Is a mailed bundle sent, with one waybill for all parts, only once every part is decided?"""
    parent = api.open_case(service="YJS-002", mode="bundle")  # the default delivery is by mail
    no = parent["case_no"]
    api.fire(no, "accept", as_user="clerk2")
    # 生育登记 (马上办) is done on the spot; 出生登记, then 医保参保, then 社保卡, each after the one before.
    for child in parent["children"][1:]:
        approver = f"approver_{child['department']}"
        api.fire(child["case_no"], "claim", as_user=approver)
        api.fire(child["case_no"], "approve", as_user=approver, note=OPINION)
    parent = api.get(f"/cases/{no}", as_user="clerk1").get_json()
    assert parent["state"] == "in_approval" and parent["decided_at"]  # mailed: the clerk books the waybill
    parent = api.fire(no, "mail", as_user="clerk1", data={"waybill_no": "EMS1234567890"})
    assert parent["state"] == "mailing"
    assert [c["state"] for c in parent["children"]] == ["delivered", "mailing", "mailing", "mailing"]


def test_bundle_needs_a_bundle_item(api):
    """Is mode bundle refused for an item that bundles nothing, and a bundle item in another mode?"""
    body = case_body(mode="bundle", delivery=PICKUP)
    assert (
        "mode"
        in assert_error(api.post("/cases", json=body, as_user="clerk1"), 400, "invalid_request")["fields"]
    )
    body |= {"service": "YJS-001", "mode": "once"}
    assert (
        "mode"
        in assert_error(api.post("/cases", json=body, as_user="clerk1"), 400, "invalid_request")["fields"]
    )
