"""主题式 一件事 online (网上申请): open with the answers, upload every material once, submit, pre-review."""

from io import BytesIO

import pytest

from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, PDF, PICKUP, assert_error, case_body

BUNDLE = "YJS-001"  # 我要开餐馆: 营业执照 first, the others wait for it; 消防 over 300 m²
ANSWERS = {"area_over_300": "yes", "signboard": "no"}
PARTS = ["SCJG-001", "SCJG-006", "ZJJ-003", "ZJJ-004"]
OPINION = "材料齐全，符合法定条件，准予许可。"
ADDRESS = "广东省中山市西区富华道1号"
TODAY = "2026-11-30"  # the frozen Monday of the tests


@pytest.fixture
def uploads(app, tmp_path):
    """The app keeps uploads in a folder of this test."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


class Applicant:
    """The applicant's side: the access token travels in X-Application-Token."""

    def __init__(self, client):
        self.client = client
        self.case_no = self.token = None

    def apply(self, service: str = BUNDLE, answers: dict | None = None, expect: int = 201, **fields):
        body = {
            "service": service,
            "hall": "xiqu",
            "applicant": {"name": "王小明", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
            **({"answers": answers} if answers is not None else {}),
            **fields,
        }
        answer = self.client.post("/api/v1/public/applications", json=body)
        assert answer.status_code == expect, answer.get_json()
        if expect == 201:
            created = answer.get_json()
            self.case_no, self.token = created["case_no"], created["token"]
        return answer

    def url(self, suffix: str = "") -> str:
        return f"/api/v1/public/applications/{self.case_no}{suffix}"

    def headers(self) -> dict:
        return {"X-Application-Token": self.token}

    def upload(self, material: str):
        return self.client.post(
            self.url("/files"),
            data={"material": material, "file": (BytesIO(PDF), "scan.pdf")},
            headers=self.headers(),
            content_type="multipart/form-data",
        )

    def view(self) -> dict:
        answer = self.client.get(self.url(), headers=self.headers())
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def post(self, suffix: str, json=None):
        return self.client.post(self.url(suffix), json=json or {}, headers=self.headers())


@pytest.fixture
def applicant(client, uploads):
    return Applicant(client)


def plan_of(api, answers: dict) -> dict:
    return api.post(f"/services/{BUNDLE}/plan", json={"answers": answers}).get_json()


def parts_of(case: dict) -> dict[str, dict]:
    return {child["service"]: child for child in case["children"]}


def decide(api, case_no: str, department: str) -> dict:
    approver = f"approver_{department}"
    api.fire(case_no, "claim", as_user=approver)
    return api.fire(case_no, "approve", as_user=approver, note=OPINION)


def submitted(applicant: Applicant, api, **fields) -> dict:
    """Apply for 开餐馆 online, upload every required material once and submit."""
    applicant.apply(answers=ANSWERS, **fields)
    for material in plan_of(api, ANSWERS)["materials"]:
        if material["required"]:
            assert applicant.upload(material["name"]).status_code == 201
    answer = applicant.post("/submit")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_online_bundle_opens_the_parts_takes_each_material_once_and_dispatches_in_order(applicant, api):
    """Does an online 一件事 open a draft parent with the parts its answers need (waiting), ask for every
    material of those parts once, go to 网上预审 on submit, and on acceptance send 营业执照 and 消防 to
    their departments at once and the parts waiting for 营业执照 when it is approved?"""
    plan = plan_of(api, ANSWERS)
    created = applicant.apply(answers=ANSWERS).get_json()
    assert (created["mode"], created["state"]) == ("bundle", "draft")
    assert [child["service"] for child in created["children"]] == PARTS == plan["parts"]
    assert {child["state"] for child in created["children"]} == {"submitted"}
    names = [material["name"] for material in created["materials"]]
    assert names == [material["name"] for material in plan["materials"]] and len(names) == len(set(names))
    assert created["actions"] == ["upload", "submit", "withdraw", "delivery"]

    staff = api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json()
    assert staff["online"] is True and staff["visits"] == 0 and staff["workflow_version"] == 2
    assert staff["history"][0]["data"]["answers"] == ANSWERS
    assert staff["history"][0]["data"]["parts"] == PARTS

    required = [material["name"] for material in plan["materials"] if material["required"]]
    for name in required[:-1]:
        assert applicant.upload(name).status_code == 201
    missing = assert_error(applicant.post("/submit"), 400, "invalid_request")["fields"]
    assert missing == {f"materials.{required[-1]}": "请上传该材料"}
    assert applicant.upload(required[-1]).status_code == 201
    view = applicant.post("/submit").get_json()
    assert view["state"] == "pre_review"
    assert all(f["submitted_at"] for m in view["materials"] for f in m["files"])

    # 网上预审: the hall's clerks see it with the online applications.
    listed = api.get("/cases?state=pre_review&hall=xiqu", as_user="clerk1").get_json()["items"]
    assert applicant.case_no in [case["case_no"] for case in listed]
    parent = api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json()
    assert parent["allowed_triggers"] == ["pass_pre_review", "request_supplement", "refuse", "withdraw"]
    # 一次提交、多次复用: each part holds the materials it lists, taken from the one submission.
    licence = parts_of(parent)["SCJG-001"]["case_no"]
    part = api.get(f"/cases/{licence}", as_user="clerk1").get_json()
    own = {m["name"] for m in plan["materials"] if "SCJG-001" in m["for"] and m["required"]}
    assert {m["name"] for m in part["materials"]} == own and part["online"] is True

    # The department does not list a part of a bundle that is not accepted yet: nobody can act on it.
    waiting = api.get("/cases?state=submitted", as_user="approver_scjg").get_json()["items"]
    assert licence not in [case["case_no"] for case in waiting]

    parent = api.fire(applicant.case_no, "pass_pre_review", as_user="clerk1")
    assert parent["state"] == "in_approval" and parent["accepted_at"]
    mine = api.get("/cases?state=in_approval", as_user="approver_scjg").get_json()["items"]
    assert licence in [case["case_no"] for case in mine]
    parts = parts_of(parent)
    assert parts["SCJG-001"]["state"] == parts["ZJJ-004"]["state"] == "in_approval"
    for code in ("SCJG-006", "ZJJ-003"):
        assert parts[code]["state"] == "submitted" and parts[code]["waiting_for"] == ["SCJG-001"]

    # The approver of a part reads the bundle's files that part uses, and only those.
    files = api.get(f"/cases/{licence}/files", as_user="approver_scjg")
    assert files.status_code == 200 and {row["material"] for row in files.get_json()} == own
    content = api.get(f"/cases/{licence}/files/{files.get_json()[0]['id']}", as_user="approver_scjg")
    assert content.status_code == 200 and content.data == PDF

    decide(api, licence, "scjg")
    parts = parts_of(api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json())
    assert parts["SCJG-006"]["state"] == parts["ZJJ-003"]["state"] == "in_approval"
    started = api.get(f"/cases/{parts['ZJJ-003']['case_no']}", as_user="approver_zjj").get_json()
    assert started["history"][-2]["trigger"] == "accept" and started["history"][-2]["actor"] is None

    mine = applicant.view()
    assert mine["state"] == "in_approval" and "acceptance" in mine["documents"]
    assert {child["service"]: child["state"] for child in mine["children"]}["SCJG-001"] == "approved"


def test_a_finished_online_bundle_counts_as_no_visit(applicant, api):
    """Mailed to the applicant: is the online 一件事 counted under bundle and as 不见面 (no visit)?"""
    submitted(applicant, api, delivery={"method": "mail", "address": ADDRESS})
    parent = api.fire(applicant.case_no, "pass_pre_review", as_user="clerk1")
    departments = {"SCJG-001": "scjg", "SCJG-006": "scjg", "ZJJ-003": "zjj", "ZJJ-004": "zjj"}
    for code in PARTS:  # in the bundle's order: 营业执照 first
        part = parts_of(api.get(f"/cases/{parent['case_no']}", as_user="clerk1").get_json())[code]
        decide(api, part["case_no"], departments[code])
    api.fire(applicant.case_no, "mail", as_user="clerk1", data={"waybill_no": "EMS0001"})
    parent = api.fire(applicant.case_no, "deliver", as_user="clerk1")
    assert parent["state"] == "delivered" and parent["visits"] == 0
    assert {child["state"] for child in parent["children"]} == {"delivered"}
    figures = api.get(f"/halls/xiqu/stats?from={TODAY}&to={TODAY}", as_user="supervisor1").get_json()
    assert figures["cases"]["by_mode"]["bundle"] == 1 and figures["cases"]["no_visit"] == 1


def test_an_immediate_part_is_sent_to_its_department_not_done_on_the_spot(applicant, api):
    """二手房 with a mortgage online: is 契税 (马上办) accepted and sent to its department, since nobody is
    at the window, and 转移登记 started when it is approved?"""
    answers = {"mortgage": "yes"}
    applicant.apply(service="YJS-004", answers=answers)
    plan = api.post("/services/YJS-004/plan", json={"answers": answers}).get_json()
    for material in plan["materials"]:
        if material["required"]:
            assert applicant.upload(material["name"]).status_code == 201
    assert applicant.post("/submit").status_code == 200
    parts = parts_of(api.fire(applicant.case_no, "pass_pre_review", as_user="clerk1"))
    assert (parts["SWJ-001"]["mode"], parts["SWJ-001"]["state"]) == ("immediate", "in_approval")
    assert parts["BDC-002"]["state"] == "submitted" and parts["BDC-002"]["waiting_for"] == ["SWJ-001"]
    decide(api, parts["SWJ-001"]["case_no"], "swj")
    parts = parts_of(api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json())
    assert parts["BDC-002"]["state"] == "in_approval" and parts["BDC-003"]["waiting_for"] == ["BDC-002"]


def test_bad_answers_are_refused_like_at_the_window(applicant, api, app):
    """Are an unknown question or value refused (400 naming answers.<id>, zh-CN), with nothing opened,
    and answers to an item that is not a 一件事 refused too?"""
    from queue_server.cases.models import Case
    from queue_server.extensions import db

    bad = (({"floors": "3"}, "answers.floors"), ({"area_over_300": "maybe"}, "answers.area_over_300"))
    for answers, field in bad:
        answer = applicant.apply(answers=answers, expect=400)
        fields = assert_error(answer, 400, "invalid_request")["fields"]
        assert list(fields) == [field]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in fields[field])
    answer = applicant.apply(service="SCJG-007", answers={"area_over_300": "yes"}, expect=400)
    assert "answers" in assert_error(answer, 400, "invalid_request")["fields"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def test_withdraw_before_acceptance_withdraws_the_parts(applicant, api):
    """Does the applicant's 撤回 in 网上预审 withdraw the bundle and every part, after which nothing moves?"""
    submitted(applicant, api)
    view = applicant.post("/withdraw").get_json()
    assert view["state"] == "withdrawn" and view["actions"] == []
    assert {child["state"] for child in view["children"]} == {"withdrawn"}
    assert_error(applicant.post("/submit"), 409, "invalid_transition")
    parent = api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json()
    last = parent["history"][-1]
    assert last["trigger"] == "withdraw" and last["data"]["by"] == "applicant"


def test_pre_review_supplement_and_refusal(applicant, api):
    """Does the clerk's 一次性告知 send the bundle back to the applicant, who supplements online, and does
    不予受理 refuse the bundle and every part?"""
    submitted(applicant, api)
    notice = {"missing": ["公司章程"]}
    api.fire(applicant.case_no, "request_supplement", as_user="clerk1", data=notice)
    view = applicant.view()
    assert view["state"] == "awaiting_supplement" and view["missing"] == ["公司章程"]
    assert {child["state"] for child in view["children"]} == {"submitted"}
    assert_error(applicant.post("/supplement"), 400, "invalid_request")  # nothing uploaded yet
    assert applicant.upload("公司章程").status_code == 201
    assert applicant.post("/supplement").get_json()["state"] == "pre_review"

    parent = api.fire(applicant.case_no, "refuse", as_user="clerk1", note="经营场所不符合要求")
    assert parent["state"] == "not_accepted"
    assert {child["state"] for child in parent["children"]} == {"not_accepted"}


def test_the_access_token_opens_only_the_bundle(applicant, api, client):
    """Is a part of the bundle not an application of its own (404), and the token recovered for the bundle?"""
    created = applicant.apply(answers=ANSWERS).get_json()
    part = created["children"][0]
    assert part["service"] == "SCJG-001"
    parent = api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json()
    part_no = parts_of(parent)["SCJG-001"]["case_no"]
    answer = client.get(f"/api/v1/public/applications/{part_no}", headers=applicant.headers())
    assert_error(answer, 404, "not_found")
    body = {"case_no": applicant.case_no, "phone": APPLICANT_PHONE, "id_number": APPLICANT_ID}
    recovered = client.post("/api/v1/public/applications/access", json=body)
    assert recovered.status_code == 200
    body["case_no"] = part_no
    assert_error(client.post("/api/v1/public/applications/access", json=body), 404, "not_found")
    # A 一件事 taken in at the window is no online application either.
    window = case_body(BUNDLE, "bundle", delivery=PICKUP)  # the same applicant, at the window
    opened = api.post("/cases", json=window, as_user="clerk1").get_json()
    assert opened["online"] is False and opened["workflow_version"] == 1 and opened["state"] == "submitted"
    body["case_no"] = opened["case_no"]
    assert_error(client.post("/api/v1/public/applications/access", json=body), 404, "not_found")
