"""主题式 一件事: the plan, intake of the parts the answers need, their order, the applicant's view."""

from tests.conftest import APPLICANT_PHONE, PICKUP, assert_error, case_body

OPINION = "材料齐全，符合法定条件，准予许可。"
TODAY = "2026-11-30"  # the frozen Monday of the tests


def open_bundle(api, service: str, answers: dict | None = None, **fields) -> dict:
    body = case_body(
        service, "bundle", delivery=PICKUP, **({"answers": answers} if answers is not None else {}), **fields
    )
    answer = api.post("/cases", json=body, as_user="clerk1")
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def parts_of(case: dict) -> dict[str, dict]:
    return {child["service"]: child for child in case["children"]}


def decide(api, case_no: str, department: str, trigger: str = "approve") -> dict:
    approver = f"approver_{department}"
    api.fire(case_no, "claim", as_user=approver)
    return api.fire(
        case_no, trigger, as_user=approver, note=OPINION if trigger == "approve" else "不符合条件"
    )


def deadline_after(api, start: str, workdays: int) -> str:
    return api.get(f"/calendar/deadline?start={start}&workdays={workdays}").get_json()["deadline"]


# --- the plan (智能导办) ---


def test_the_plan_follows_the_answers_and_lists_each_material_once(api):
    """Does the plan add the 消防 part for more than 300 m², drop the signboard part when answered no,
    order the parts, and list every material once with the parts it serves?"""
    plan = api.post("/services/YJS-001/plan", json={"answers": {}}).get_json()
    assert plan["parts"] == ["SCJG-001", "SCJG-006", "CGJ-002", "ZJJ-003"]
    steps = {step["code"]: step for step in plan["steps"]}
    assert steps["SCJG-006"]["waits_for"] == ["SCJG-001"] and steps["SCJG-001"]["waits_for"] == []
    assert plan["promised_days"] == 11  # 营业执照 1 day, then the longest of the others 10

    answers = {"area_over_300": "yes", "signboard": "no"}
    plan = api.post("/services/YJS-001/plan", json={"answers": answers}).get_json()
    assert plan["parts"] == ["SCJG-001", "SCJG-006", "ZJJ-003", "ZJJ-004"]
    names = [material["name"] for material in plan["materials"]]
    assert len(names) == len(set(names)) and "建设工程消防验收备案表" in names
    assert not any("户外广告" in name for name in names)

    retire = api.post("/services/YJS-005/plan", json={}).get_json()
    shared = next(m for m in retire["materials"] if m["name"] == "申请人居民身份证")
    assert shared["for"] == ["RSJ-005", "YBJ-003"]
    assert [m["name"] for m in retire["materials"]].count("申请人居民身份证") == 1


def test_a_bad_plan_request_answers_the_contract_errors(api):
    """Unknown bundle: 404; an item that is not a bundle, an unknown question or answer value: 400."""
    assert_error(api.post("/services/NOPE-1/plan", json={}), 404, "not_found")
    fields = assert_error(api.post("/services/SCJG-006/plan", json={}), 400, "invalid_request")["fields"]
    assert "service" in fields
    bad = {"answers": {"floors": "3"}}
    fields = assert_error(api.post("/services/YJS-001/plan", json=bad), 400, "invalid_request")["fields"]
    assert "answers.floors" in fields
    bad = {"answers": {"area_over_300": "maybe"}}
    fields = assert_error(api.post("/services/YJS-001/plan", json=bad), 400, "invalid_request")["fields"]
    assert "answers.area_over_300" in fields
    # The same answers are checked when the case is opened; answers to a single item are refused.
    body = case_body("YJS-001", "bundle", delivery=PICKUP, answers={"area_over_300": "maybe"})
    fields = assert_error(api.post("/cases", json=body, as_user="clerk1"), 400, "invalid_request")["fields"]
    assert "answers.area_over_300" in fields
    body = case_body(answers={"area_over_300": "yes"})
    assert (
        "answers"
        in assert_error(api.post("/cases", json=body, as_user="clerk1"), 400, "invalid_request")["fields"]
    )


# --- intake and parallel approval ---


def test_parts_start_when_what_they_wait_for_is_approved(api):
    """开餐馆 over 300 m²: do 营业执照 and 消防 start at once, the others wait for 营业执照 (listing no
    trigger), start when it is approved, and is the bundle's deadline its longest chain?"""
    parent = open_bundle(api, "YJS-001", {"area_over_300": "yes"})
    assert set(parts_of(parent)) == {"SCJG-001", "SCJG-006", "CGJ-002", "ZJJ-003", "ZJJ-004"}
    parent = api.fire(parent["case_no"], "accept", as_user="clerk1")
    parts = parts_of(parent)
    assert parts["SCJG-001"]["state"] == parts["ZJJ-004"]["state"] == "in_approval"
    for code in ("SCJG-006", "CGJ-002", "ZJJ-003"):
        assert parts[code]["state"] == "submitted" and parts[code]["waiting_for"] == ["SCJG-001"]
        waiting = api.get(f"/cases/{parts[code]['case_no']}", as_user="clerk1").get_json()
        assert waiting["allowed_triggers"] == [] and waiting["waiting_for"] == ["SCJG-001"]
    # The longest chain: 营业执照 (1 working day), then 户外广告 or 排水 (10).
    licence_due = deadline_after(api, TODAY, 1)
    assert parent["deadline"] == deadline_after(api, licence_due, 10)
    # A waiting part shows the day the plan expects it decided: after 营业执照, its own limit.
    assert parts["SCJG-006"]["deadline"] == deadline_after(api, licence_due, 5)
    assert parts["CGJ-002"]["deadline"] == parent["deadline"]
    assert parent["light"] == "green"
    assert "notify_pickup" not in parent["allowed_triggers"] and "mail" not in parent["allowed_triggers"]

    licence = parts["SCJG-001"]["case_no"]
    assert api.get(f"/cases/{licence}", as_user="approver_scjg").get_json()["allowed_triggers"] == ["claim"]
    decide(api, licence, "scjg")
    parent = api.get(f"/cases/{parent['case_no']}", as_user="clerk1").get_json()
    parts = parts_of(parent)
    assert {parts[code]["state"] for code in ("SCJG-006", "CGJ-002", "ZJJ-003")} == {"in_approval"}
    started = api.get(f"/cases/{parts['CGJ-002']['case_no']}", as_user="approver_cgj").get_json()
    assert started["history"][-2]["trigger"] == "accept" and started["history"][-2]["actor"] is None
    assert started["deadline"] == deadline_after(api, TODAY, 10)
    # The approver sees the other parts of the same event.
    assert {sibling["service"] for sibling in started["siblings"]} == {
        "SCJG-001",
        "SCJG-006",
        "ZJJ-003",
        "ZJJ-004",
    }

    for code, department in (
        ("SCJG-006", "scjg"),
        ("CGJ-002", "cgj"),
        ("ZJJ-003", "zjj"),
        ("ZJJ-004", "zjj"),
    ):
        decide(api, parts[code]["case_no"], department)
    parent = api.get(f"/cases/{parent['case_no']}", as_user="clerk1").get_json()
    assert parent["state"] == "ready_for_pickup" and parent["on_time"] is True
    api.fire(parent["case_no"], "deliver", as_user="clerk1")
    parent = api.fire(parent["case_no"], "close", as_user="clerk1")
    assert {child["state"] for child in parent["children"]} == {"closed"}


def test_a_denied_part_stops_the_parts_waiting_for_it(api):
    """Are the parts waiting for a denied 营业执照 not accepted, and the bundle ready when the rest is?"""
    parent = open_bundle(api, "YJS-001", {"area_over_300": "yes", "signboard": "no"})
    parent = api.fire(parent["case_no"], "accept", as_user="clerk1")
    parts = parts_of(parent)
    decide(api, parts["SCJG-001"]["case_no"], "scjg", "deny")
    parts = parts_of(api.get(f"/cases/{parent['case_no']}", as_user="clerk1").get_json())
    assert parts["SCJG-006"]["state"] == parts["ZJJ-003"]["state"] == "not_accepted"
    assert parts["ZJJ-004"]["state"] == "in_approval"
    decide(api, parts["ZJJ-004"]["case_no"], "zjj")
    assert api.get(f"/cases/{parent['case_no']}", as_user="clerk1").get_json()["state"] == "ready_for_pickup"


def test_immediate_parts_are_completed_in_the_sitting(api):
    """二手房 with a mortgage: is 契税 (马上办) completed on the spot, 转移登记 sent at once since what it
    waits for is done, and 抵押登记 started when 转移登记 is approved?"""
    parent = open_bundle(api, "YJS-004", {"mortgage": "yes"})
    parent = api.fire(parent["case_no"], "accept", as_user="clerk1")
    parts = parts_of(parent)
    assert parts["SWJ-001"]["state"] == "delivered" and parts["SWJ-001"]["mode"] == "immediate"
    assert parts["BDC-002"]["state"] == "in_approval"
    assert parts["BDC-003"]["state"] == "submitted" and parts["BDC-003"]["waiting_for"] == ["BDC-002"]
    on_spot = api.get(f"/cases/{parts['SWJ-001']['case_no']}", as_user="clerk1").get_json()
    assert "complete_on_spot" in [entry["trigger"] for entry in on_spot["history"]]
    assert on_spot["assignee"] is None  # never sent to an approver
    # Three working days for 转移登记, then one for 抵押登记.
    assert parent["deadline"] == deadline_after(api, deadline_after(api, TODAY, 3), 1)
    decide(api, parts["BDC-002"]["case_no"], "bdc")
    parts = parts_of(api.get(f"/cases/{parent['case_no']}", as_user="clerk1").get_json())
    assert parts["BDC-003"]["state"] == "in_approval" and parts["BDC-003"]["waiting_for"] == []


def test_a_parts_supplement_reaches_the_applicant_and_the_public_progress(api, sms):
    """Does an approver's 一次性告知 on a part send an SMS naming the part under the bundle's number, and
    does the bundle's public progress list its parts with the notice?"""
    parent = open_bundle(api, "YJS-005")
    no = parent["case_no"]
    parts = parts_of(api.fire(no, "accept", as_user="clerk1"))
    pension = parts["RSJ-005"]["case_no"]
    api.fire(pension, "claim", as_user="approver_rsj")
    api.fire(pension, "request_supplement", as_user="approver_rsj", data={"missing": ["本人人事档案"]})
    notices = [m for m in sms() if m["kind"] == "case_supplement"]
    assert len(notices) == 1 and notices[0]["phone"] == APPLICANT_PHONE
    assert (
        no in notices[0]["text"]
        and "退休待遇申领" in notices[0]["text"]
        and "本人人事档案" in notices[0]["text"]
    )

    progress = api.get(f"/public/cases/{no}?phone={APPLICANT_PHONE}").get_json()
    children = {child["service"]: child for child in progress["children"]}
    assert children["RSJ-005"]["state"] == "awaiting_supplement"
    assert children["RSJ-005"]["missing"] == ["本人人事档案"]
    assert children["YBJ-003"]["state_name"] == "等待前置事项" and children["YBJ-003"]["waiting_for"] == [
        "RSJ-005"
    ]
    assert set(children["YBJ-003"]) >= {"service", "state", "deadline"}
    assert children["YBJ-003"]["deadline"] > children["RSJ-005"]["deadline"]  # expected after the pension
    # The clerk takes the materials in at the window; the part goes back to its approver.
    part = api.fire(pension, "supplement", as_user="clerk1")
    assert part["state"] == "reviewing"


def test_the_bundle_is_counted_by_mode(api):
    """Are the figures grouped by mode free of errors with a bundle, counting it under bundle?"""
    open_bundle(api, "YJS-003")
    figures = api.get(f"/halls/xiqu/stats?from={TODAY}&to={TODAY}&group_by=mode", as_user="supervisor1")
    assert figures.status_code == 200, figures.get_data(as_text=True)
    assert figures.get_json()["cases"]["by_mode"]["bundle"] == 1
