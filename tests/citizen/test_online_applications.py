"""Online applications (网上办): apply, upload, pre-review, supplement, delivery, and who sees the files."""

import hashlib
import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from queue_server.cases.models import CaseFile
from queue_server.extensions import db
from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, PDF, assert_error

SERVICE = "SCJG-007"  # 食品经营许可（延续）: online only, two required materials
APPLICATION_FORM = "食品经营许可延续申请书"
LICENCE = "食品经营许可证正本、副本"
OPTIONAL = "经营条件变化情况说明"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
OTHER_ID = "11010519491231002X"


@pytest.fixture
def uploads(app, tmp_path):
    """The app keeps uploads in a folder of this test (small files: 4 KB at most)."""
    folder = tmp_path / "uploads"
    app.config["UPLOAD_DIR"] = str(folder)
    app.config["UPLOAD_MAX_BYTES"] = 4096
    return folder


def stored_files(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


class Applicant:
    """The applicant's side of the API: the access token travels in X-Application-Token."""

    def __init__(self, client, api):
        self.client, self.api = client, api
        self.case_no = self.token = None

    def headers(self, token=None):
        token = token if token is not None else self.token
        return {"X-Application-Token": token} if token else {}

    def apply(self, **fields) -> dict:
        body = {
            "service": SERVICE,
            "hall": "xiqu",
            "applicant": {"name": "王小明", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
            **fields,
        }
        answer = self.client.post("/api/v1/public/applications", json=body)
        assert answer.status_code == 201, answer.get_json()
        created = answer.get_json()
        self.case_no, self.token = created["case_no"], created["token"]
        return created

    def url(self, suffix: str = "") -> str:
        return f"/api/v1/public/applications/{self.case_no}{suffix}"

    def upload(self, material: str, content: bytes = PDF, name: str = "scan.pdf", token=None):
        return self.client.post(
            self.url("/files"),
            data={"material": material, "file": (_stream(content), name)},
            headers=self.headers(token),
            content_type="multipart/form-data",
        )

    def get(self, suffix: str = "", token=None):
        return self.client.get(self.url(suffix), headers=self.headers(token))

    def post(self, suffix: str, json=None, token=None):
        return self.client.post(self.url(suffix), json=json, headers=self.headers(token))

    def view(self) -> dict:
        answer = self.get()
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def submitted(self) -> dict:
        """Apply, upload both required materials and submit: the case is in pre_review."""
        self.apply()
        for material in (APPLICATION_FORM, LICENCE):
            assert self.upload(material).status_code == 201
        answer = self.post("/submit")
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()


def _stream(content: bytes):
    return BytesIO(content)


@pytest.fixture
def applicant(client, api, uploads):
    return Applicant(client, api)


def test_apply_upload_and_submit(applicant, api, uploads):
    """Does an application start as a draft, take its files and go to pre-review on submit?"""
    created = applicant.apply(delivery={"method": "mail", "address": "广东省中山市西区富华道1号"})
    assert created["state"] == "draft" and created["mode"] == "online"
    assert created["actions"] == ["upload", "submit", "withdraw", "delivery"]
    assert created["delivery"]["method"] == "mail"

    answer = applicant.upload(APPLICATION_FORM, PDF, "申请书.pdf")
    assert answer.status_code == 201, answer.get_json()
    file = answer.get_json()["file"]
    assert file["mime"] == "application/pdf" and file["size"] == len(PDF)
    assert file["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert file["original_name"] == "申请书.pdf" and file["submitted_at"] is None
    [path] = stored_files(uploads)
    assert path.read_bytes() == PDF and "申请书" not in path.name  # a random name, not the applicant's

    missing = applicant.post("/submit")
    assert assert_error(missing, 400, "invalid_request")["fields"] == {f"materials.{LICENCE}": "请上传该材料"}

    assert applicant.upload(LICENCE, JPEG, "licence.jpg").get_json()["file"]["mime"] == "image/jpeg"
    view = applicant.post("/submit").get_json()
    assert view["state"] == "pre_review" and view["state_name"] == "网上预审中"
    assert "upload" not in view["actions"] and "withdraw" in view["actions"]
    assert all(f["submitted_at"] for m in view["materials"] for f in m["files"])

    case = api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json()
    assert case["state"] == "pre_review" and case["allowed_triggers"] == [
        "pass_pre_review",
        "request_supplement",
        "refuse",
        "withdraw",
    ]
    assert [(h["trigger"], h["actor"], (h["data"] or {}).get("by")) for h in case["history"]] == [
        ("create", None, "applicant"),
        ("submit", None, "applicant"),
    ]
    assert {m["name"] for m in case["materials"]} == {APPLICATION_FORM, LICENCE}


def test_wrong_type_is_refused_and_nothing_stored(applicant, app, uploads):
    """Is a file that is not PDF/JPEG/PNG by content refused (400), whatever its name, with nothing stored?"""
    applicant.apply()
    for content, name in (
        (b"MZ\x90\x00 this is a program", "申请书.pdf"),
        (b"<html><script>", "scan.png"),
        (b"GIF89a......", "photo.jpg"),
    ):
        answer = applicant.upload(APPLICATION_FORM, content, name)
        details = assert_error(answer, 400, "invalid_request")
        assert "PDF" in details["fields"]["file"]
        assert name in answer.get_json()["error"]["message"]
    assert_error(applicant.upload(APPLICATION_FORM, b"", "empty.pdf"), 400, "invalid_request")
    assert_error(applicant.upload("不存在的材料", PDF), 400, "invalid_request")
    assert stored_files(uploads) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseFile)) == 0


def test_oversize_is_413_and_nothing_stored(applicant, app, uploads):
    """Is a file over UPLOAD_MAX_BYTES answered 413 too_large, file by file and for the whole request?"""
    applicant.apply()
    over_file = applicant.upload(APPLICATION_FORM, PDF + b"0" * 4096)  # fits the request, not the file limit
    assert "4 KB" in over_file.get_json()["error"]["message"]
    assert_error(over_file, 413, "too_large")
    over_request = applicant.upload(APPLICATION_FORM, PDF + b"0" * 200_000)  # beyond the request's limit too
    assert assert_error(over_request, 413, "too_large") == {"max_bytes": 4096}
    assert over_request.get_json()["error"]["message"] == "文件过大：单个文件不能超过 4 KB"
    assert stored_files(uploads) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseFile)) == 0
    assert applicant.upload(APPLICATION_FORM, PDF).status_code == 201  # a file within the limit still goes


def test_uploads_may_exceed_the_json_request_limit(applicant, app, uploads):
    """Is an upload larger than the app's MAX_CONTENT_LENGTH (for JSON) taken when within UPLOAD_MAX_BYTES?"""
    app.config["UPLOAD_MAX_BYTES"] = 2 * app.config["MAX_CONTENT_LENGTH"]
    applicant.apply()
    big = PDF + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1000)
    answer = applicant.upload(APPLICATION_FORM, big)
    assert answer.status_code == 201, answer.get_json()
    assert [path.stat().st_size for path in stored_files(uploads)] == [len(big)]


def test_json_endpoints_keep_the_small_request_limit(client, uploads):
    """Does raising the limit for uploads leave the JSON endpoints at the app's MAX_CONTENT_LENGTH?"""
    body = b'{"service": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    answer = client.post("/api/v1/public/applications", data=body, content_type="application/json")
    assert_error(answer, 413, "too_large")


def test_draft_files_can_be_removed_sent_ones_cannot(applicant, uploads):
    """May the applicant remove a file before sending it, and never after?"""
    applicant.apply()
    file_id = applicant.upload(OPTIONAL).get_json()["file"]["id"]
    answer = applicant.client.delete(applicant.url(f"/files/{file_id}"), headers=applicant.headers())
    assert answer.status_code == 200
    assert stored_files(uploads) == []
    applicant.upload(APPLICATION_FORM)
    applicant.upload(LICENCE)
    sent = applicant.post("/submit").get_json()
    sent_id = sent["materials"][0]["files"][0]["id"]
    answer = applicant.client.delete(applicant.url(f"/files/{sent_id}"), headers=applicant.headers())
    assert_error(answer, 409, "invalid_transition")
    assert len(stored_files(uploads)) == 2


def test_clerk_passes_pre_review_and_the_case_goes_to_approval(applicant, api):
    """Does pass_pre_review accept the online case and dispatch it to its department, with the SMS notice?"""
    applicant.submitted()
    case = api.fire(applicant.case_no, "pass_pre_review", "clerk1")
    assert case["state"] == "in_approval" and case["accepted_at"] and case["deadline"]
    view = applicant.view()
    assert view["state"] == "in_approval" and view["deadline"] == case["deadline"]
    assert "acceptance" in view["documents"]
    pdf = applicant.get("/documents/acceptance")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_supplement_notice_and_online_supplement(applicant, api, uploads):
    """Can the clerk ask for one complete supplement, and the applicant answer it online, back to
    pre-review?"""
    applicant.submitted()
    api.fire(
        applicant.case_no,
        "request_supplement",
        "clerk1",
        note="许可证副本页不清晰",
        data={"missing": [LICENCE, "近三个月食品安全自查记录"]},
    )
    view = applicant.view()
    assert view["state"] == "awaiting_supplement"
    assert view["missing"] == [LICENCE, "近三个月食品安全自查记录"]
    notice = view["history"][-1]
    assert notice["trigger"] == "request_supplement" and notice["note"] == "许可证副本页不清晰"
    assert notice["missing"] == view["missing"]
    assert view["actions"] == ["upload", "supplement", "withdraw", "delivery"]
    assert "近三个月食品安全自查记录" in [m["name"] for m in view["materials"]]

    assert_error(applicant.post("/supplement"), 400, "invalid_request")  # nothing new uploaded yet
    assert applicant.upload("近三个月食品安全自查记录", PNG, "自查记录.png").status_code == 201
    back = applicant.post("/supplement", json={"note": "已补充自查记录"}).get_json()
    assert back["state"] == "pre_review" and back["missing"] == []

    case = api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json()
    last = case["history"][-1]
    assert (last["trigger"], last["actor"], last["note"]) == ("supplement", None, "已补充自查记录")
    staff_files = api.get(f"/cases/{applicant.case_no}/files", as_user="clerk1").get_json()
    assert [f["material"] for f in staff_files] == [APPLICATION_FORM, LICENCE, "近三个月食品安全自查记录"]


def test_refusal_is_final_and_its_reason_reaches_the_applicant(applicant, api):
    """Does refuse end the application with the reason shown to the applicant, and stop further moves?"""
    applicant.submitted()
    api.fire(applicant.case_no, "refuse", "clerk1", expect=400, error="invalid_request")
    api.fire(applicant.case_no, "refuse", "clerk1", note="原许可证已过有效期，应按新办申请")
    view = applicant.view()
    assert view["state"] == "not_accepted" and view["actions"] == []
    assert view["history"][-1]["note"] == "原许可证已过有效期，应按新办申请"
    assert_error(applicant.post("/withdraw"), 409, "invalid_transition")
    assert_error(
        applicant.client.put(
            applicant.url("/delivery"), json={"method": "pickup"}, headers=applicant.headers()
        ),
        409,
        "invalid_transition",
    )


def test_only_a_clerk_of_the_hall_pre_reviews(applicant, api):
    """Is pre-review a clerk's trigger: an approver is refused with 403?"""
    applicant.submitted()
    answer = api.post(
        f"/cases/{applicant.case_no}/transitions",
        json={"trigger": "pass_pre_review"},
        as_user="approver_scjg",
    )
    assert_error(answer, 403, "forbidden")


def test_applicant_withdraws(applicant, api):
    """Can the applicant withdraw before the decision?"""
    applicant.submitted()
    view = applicant.post("/withdraw", json={"note": "暂不办理"}).get_json()
    assert view["state"] == "withdrawn"
    assert api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json()["state"] == "withdrawn"


def test_delivery_choice_until_handover(applicant, api):
    """Can the applicant choose pickup or mail until the result is on its way, and does the clerk follow
    it?"""
    applicant.submitted()
    no_address = applicant.client.put(
        applicant.url("/delivery"), json={"method": "mail"}, headers=applicant.headers()
    )
    assert assert_error(no_address, 400, "invalid_request")["fields"] == {
        "delivery.address": "邮寄送达须填写邮寄地址"
    }
    api.fire(applicant.case_no, "pass_pre_review", "clerk1")
    api.fire(applicant.case_no, "claim", "approver_scjg")
    api.fire(applicant.case_no, "approve", "approver_scjg", note="准予延续")
    chosen = applicant.client.put(
        applicant.url("/delivery"),
        json={"method": "mail", "address": "广东省中山市西区富华道1号"},
        headers=applicant.headers(),
    )
    assert chosen.get_json()["delivery"] == {
        "method": "mail",
        "hall": "xiqu",
        "hall_name": "中山市西区行政服务中心",
        "address": "广东省中山市西区富华道1号",
        "waybill_no": None,
        "can_change": True,
    }
    case = api.fire(applicant.case_no, "mail", "clerk1", data={"waybill_no": "SF1234567890"})
    assert case["delivery"]["address"] == "广东省中山市西区富华道1号"
    view = applicant.view()
    assert view["state"] == "mailing" and view["delivery"]["waybill_no"] == "SF1234567890"
    assert not view["delivery"]["can_change"]
    late = applicant.client.put(
        applicant.url("/delivery"), json={"method": "pickup"}, headers=applicant.headers()
    )
    assert_error(late, 409, "invalid_transition")


def test_files_are_served_to_staff_and_the_applicant_only(applicant, api, client):
    """Who gets a stored file: the applicant with the token and staff who see the case; nobody else."""
    applicant.submitted()
    file_id = applicant.view()["materials"][0]["files"][0]["id"]
    mine = applicant.get(f"/files/{file_id}")
    assert mine.status_code == 200 and mine.data == PDF and mine.mimetype == "application/pdf"
    assert mine.headers["Cache-Control"] == "no-store" and mine.headers["X-Content-Type-Options"] == "nosniff"
    staff = api.get(f"/cases/{applicant.case_no}/files/{file_id}", as_user="clerk1")
    assert staff.status_code == 200 and staff.data == PDF
    assert api.get(f"/cases/{applicant.case_no}/files/{file_id}", as_user="approver_scjg").status_code == 200

    assert_error(applicant.get(f"/files/{file_id}", token=""), 401, "unauthorized")
    assert_error(client.get(f"/api/v1/cases/{applicant.case_no}/files/{file_id}"), 401, "unauthorized")
    assert_error(
        api.get(f"/cases/{applicant.case_no}/files/{file_id}", as_user="approver_rsj"), 403, "forbidden"
    )

    other = Applicant(client, api)
    other.apply(applicant={"name": "李四", "id_number": OTHER_ID, "phone": "13900139000"})
    assert_error(applicant.get(f"/files/{file_id}", token=other.token), 404, "not_found")
    assert_error(other.get(f"/files/{file_id}"), 404, "not_found")  # right token, file of another case
    assert_error(applicant.get("", token="forged.token.value"), 404, "not_found")


def test_staff_do_not_see_files_still_being_prepared(applicant, api):
    """Are files the applicant has not sent hidden from staff?"""
    applicant.apply()
    file_id = applicant.upload(APPLICATION_FORM).get_json()["file"]["id"]
    assert api.get(f"/cases/{applicant.case_no}/files", as_user="clerk1").get_json() == []
    assert_error(api.get(f"/cases/{applicant.case_no}/files/{file_id}", as_user="clerk1"), 404, "not_found")


def test_id_number_and_phone_are_masked(applicant, api, client):
    """Are the ID number and the phone masked in the applicant's view, the staff case and public progress?"""
    created = applicant.apply()
    assert created["applicant"] == {
        "name": "王*明",
        "id_number": "442000********1233",
        "phone": "138****8000",
    }
    case = api.get(f"/cases/{applicant.case_no}", as_user="clerk1").get_json()
    assert (
        case["applicant"]["id_number"] == "442000********1233" and case["applicant"]["phone"] == "138****8000"
    )
    progress = client.get(f"/api/v1/public/cases/{applicant.case_no}?phone={APPLICANT_PHONE}").get_json()
    assert progress["applicant"]["phone"] == "138****8000"
    for text in (str(created), str(case), str(progress), str(applicant.view())):
        assert APPLICANT_ID not in text and APPLICANT_PHONE not in text


def test_bad_applications_are_refused(client, uploads):
    """Are a wrong ID check digit, an item without 网上办 and an unknown hall answered 400 with the field?"""

    def apply(**fields):
        body = {
            "service": SERVICE,
            "hall": "xiqu",
            "applicant": {"name": "王小明", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
            **fields,
        }
        return client.post("/api/v1/public/applications", json=body)

    wrong_id = apply(
        applicant={"name": "王小明", "id_number": "442000199001011234", "phone": APPLICANT_PHONE}
    )
    assert "校验位" in assert_error(wrong_id, 400, "invalid_request")["fields"]["applicant.id_number"]
    assert (
        "不支持网上办理"
        in assert_error(apply(service="GAJ-004"), 400, "invalid_request")["fields"]["service"]
    )
    assert set(assert_error(apply(hall="nowhere"), 400, "invalid_request")["fields"]) == {"hall"}
    assert set(
        assert_error(apply(delivery={"method": "pickup", "hall": "nowhere"}), 400, "invalid_request")[
            "fields"
        ]
    ) == {"delivery.hall"}


def test_lost_token_is_recovered_with_phone_and_id_number(applicant, client):
    """Can the applicant get the token again with case number, phone and ID number, and not without?"""
    applicant.apply()
    body = {"case_no": applicant.case_no.lower(), "phone": APPLICANT_PHONE, "id_number": APPLICANT_ID}
    answer = client.post("/api/v1/public/applications/access", json=body)
    assert answer.status_code == 200
    assert applicant.get(token=answer.get_json()["token"]).status_code == 200
    wrong = client.post("/api/v1/public/applications/access", json={**body, "id_number": OTHER_ID})
    assert_error(wrong, 404, "not_found")


def test_material_guide_pdf(client, uploads):
    """Does each material of an item have a printable guide page, and an unknown one 404?"""
    answer = client.get(f"/api/v1/services/{SERVICE}/materials/1/guide")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(BytesIO(answer.data)).pages))
    assert "申请材料说明" in text and APPLICATION_FORM in text and "食品经营许可（延续）" in text
    assert "单个文件不超过4KB" in text  # UPLOAD_MAX_BYTES, as this test sets it
    assert_error(client.get(f"/api/v1/services/{SERVICE}/materials/9/guide"), 404, "not_found")
    assert_error(client.get("/api/v1/services/NOPE/materials/1/guide"), 404, "not_found")


def test_answers_match_the_spec(applicant, api, client):
    """Do the online application answers, good and bad, validate against the OpenAPI spec?"""
    from tests.api.test_openapi import _check

    spec = client.get("/api/v1/openapi.json").get_json()
    base = "/api/v1/public/applications"
    body = {
        "service": SERVICE,
        "hall": "xiqu",
        "applicant": {"name": "王小明", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
    }
    created = client.post(base, json=body)
    _check(spec, "post", base, created)
    _check(spec, "post", base, client.post(base, json={**body, "service": "GAJ-004"}))
    applicant.case_no, applicant.token = created.get_json()["case_no"], created.get_json()["token"]
    _check(spec, "post", base + "/{case_no}/files", applicant.upload(APPLICATION_FORM))
    _check(spec, "post", base + "/{case_no}/files", applicant.upload(APPLICATION_FORM, PDF * 100))
    _check(spec, "post", base + "/{case_no}/submit", applicant.post("/submit"))
    applicant.upload(LICENCE)
    _check(spec, "post", base + "/{case_no}/submit", applicant.post("/submit"))
    _check(spec, "get", base + "/{case_no}", applicant.get())
    _check(spec, "get", base + "/{case_no}", applicant.get(token=""))
    _check(
        spec,
        "put",
        base + "/{case_no}/delivery",
        client.put(applicant.url("/delivery"), json={"method": "pickup"}, headers=applicant.headers()),
    )
    _check(
        spec,
        "post",
        base + "/access",
        client.post(
            base + "/access",
            json={"case_no": applicant.case_no, "phone": APPLICANT_PHONE, "id_number": APPLICANT_ID},
        ),
    )
    _check(
        spec,
        "get",
        "/api/v1/cases/{case_no}/files",
        api.get(f"/cases/{applicant.case_no}/files", as_user="clerk1"),
    )
    assert "multipart/form-data" in spec["paths"][base + "/{case_no}/files"]["post"]["requestBody"]["content"]
