"""Handing a result over (deliver): the collector at the pickup window, the mail's signed receipt, the
signature drawn on screen and the 送达回证 PDF, through the API on SQLite and PostgreSQL."""

import base64
import io
import re
from datetime import datetime

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from tests.conftest import APPLICANT_ID, assert_error

OPINION = "材料齐全，符合法定条件，准予许可。"
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(first17: str) -> str:
    """Complete 17 digits with their GB 11643 check character."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


PROXY_ID = id_number("44200019800202002")
OTHER_ID = id_number("44200019700303003")


def masked(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def signature_url(blank: bool = False, size=(600, 180)) -> str:
    """A signature as the screen sends it: a PNG data URL of dark strokes on a transparent canvas."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        strokes = [(40, 140), (160, 40), (300, 150), (560, 50)]
        ImageDraw.Draw(image).line(strokes, fill=(17, 24, 39, 255), width=5)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def ready_case(api) -> str:
    """A 同城办 case approved and waiting at the xiqu pickup window; return its number."""
    no = api.open_case(service="SCJG-001", mode="citywide", delivery={"method": "pickup"})["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_scjg")
    api.fire(no, "approve", as_user="approver_scjg", note=OPINION)
    api.fire(no, "notify_pickup", as_user="clerk1")
    return no


def mailing_case(api) -> str:
    """A 一次办 case approved and mailed with its waybill; return its number."""
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_scjg")
    api.fire(no, "approve", as_user="approver_scjg", note=OPINION)
    api.fire(no, "mail", as_user="clerk1", data={"waybill_no": "SF1234567890"})
    return no


def deliver(api, no: str, data: dict | None):
    body = {"trigger": "deliver", **({"data": data} if data is not None else {})}
    return api.post(f"/cases/{no}/transitions", json=body, as_user="clerk1")


def receipt_text(api, no: str) -> tuple[str, PdfReader]:
    """Fetch the 送达回证 and return its text (whitespace removed) and the reader."""
    answer = api.get(f"/cases/{no}/documents/receipt", as_user="clerk1")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages)), reader


def images_of(reader: PdfReader) -> list:
    return [image for page in reader.pages for image in page.images]


def test_the_applicant_collects_in_person(api):
    """本人: is the collector recorded with the ID checked, masked in the answer, kept out of the history,
    and does the 送达回证 name them, the item, the result, the time, the hall and the clerk?"""
    no = ready_case(api)
    assert_error(api.get(f"/cases/{no}/documents/receipt", as_user="clerk1"), 404, "not_found")

    answer = deliver(api, no, {"collector": {"kind": "self", "id_number": APPLICANT_ID, "id_checked": True}})
    assert answer.status_code == 200, answer.get_json()
    case = answer.get_json()
    assert case["state"] == "delivered" and "receipt" in case["documents"]
    collector = case["collector"]
    assert collector["method"] == "pickup" and collector["kind"] == "self"
    assert collector["kind_name"] == "本人"
    assert collector["name"] == "张三" and collector["id_number"] == masked(APPLICANT_ID)
    assert collector["id_checked"] is True and collector["proxy_letter"] is False
    assert collector["signed_on_screen"] is False and collector["clerk"]["username"] == "clerk1"
    assert collector["at"] == case["history"][-1]["at"]
    assert case["history"][-1]["data"] == {"received": [], "collector": {"kind": "self"}}
    assert APPLICANT_ID not in str(case)
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["collector"] == collector

    text, reader = receipt_text(api, no)
    assert "送达回证" in text and no in text
    assert "SCJG-001" in text
    assert "准予许可" in text and "窗口领取" in text
    assert "张三（本人，已核验身份证件）" in text
    assert masked(APPLICANT_ID) in text and APPLICANT_ID not in text
    assert "中山市西区行政服务中心" in text and "领取人签名" in text and "请在框内签名" in text
    at = datetime.fromisoformat(collector["at"])
    assert f"{at.year}年{at.month}月{at.day}日{at:%H:%M}" in text  # the time handed over
    assert reader.metadata.title == f"送达回证 {no}"
    assert len(images_of(reader)) == 1  # the progress QR code; the signature is left to paper


def test_a_proxy_collects_and_signs_on_screen(api):
    """受托人: are the name, ID number and 委托书 recorded, the signature kept, and all of it in the PDF?"""
    no = ready_case(api)
    answer = deliver(
        api,
        no,
        {
            "collector": {"kind": "proxy", "name": "王五", "id_number": PROXY_ID, "proxy_letter": True},
            "signature": signature_url(),
        },
    )
    assert answer.status_code == 200, answer.get_json()
    collector = answer.get_json()["collector"]
    assert (collector["kind"], collector["kind_name"], collector["name"]) == ("proxy", "受托人", "王五")
    assert collector["id_number"] == masked(PROXY_ID) and collector["proxy_letter"] is True
    assert collector["signed_on_screen"] is True
    history = answer.get_json()["history"][-1]["data"]
    assert history == {
        "received": [],
        "collector": {"kind": "proxy", "name": "王五"},
        "signed_on_screen": True,
    }

    text, reader = receipt_text(api, no)
    assert "王五（受托人，已收取授权委托书）" in text and masked(PROXY_ID) in text and PROXY_ID not in text
    assert "已在屏幕上签名" in text
    images = images_of(reader)
    assert len(images) == 2  # the QR code and the signature
    signature = max(images, key=lambda image: image.image.width / image.image.height).image
    assert signature.width > signature.height  # the strokes, trimmed of the empty canvas


@pytest.mark.parametrize(
    "data, fields",
    [
        (None, {"data.collector"}),
        ({"collector": {"kind": "self", "id_checked": True}}, {"data.collector.id_number"}),
        (
            {"collector": {"kind": "self", "id_number": OTHER_ID, "id_checked": True}},
            {"data.collector.id_number"},
        ),
        ({"collector": {"kind": "self", "id_number": APPLICANT_ID}}, {"data.collector.id_checked"}),
        (
            {"collector": {"kind": "self", "id_number": APPLICANT_ID[:-1] + "0", "id_checked": True}},
            {"data.collector.id_number"},
        ),
        (
            {"collector": {"kind": "proxy"}},
            {"data.collector.name", "data.collector.id_number", "data.collector.proxy_letter"},
        ),
        (
            {"collector": {"kind": "proxy", "name": "王五", "id_number": PROXY_ID}},
            {"data.collector.proxy_letter"},
        ),
        (
            {"collector": {"kind": "proxy", "name": "王五", "id_number": APPLICANT_ID, "proxy_letter": True}},
            {"data.collector.id_number"},
        ),
        ({"collector": {"kind": "someone"}}, {"data.collector.kind"}),
        (
            {
                "collector": {"kind": "self", "id_number": APPLICANT_ID, "id_checked": True},
                "signature": signature_url(True),
            },
            {"data.signature"},
        ),
        (
            {
                "collector": {"kind": "self", "id_number": APPLICANT_ID, "id_checked": True},
                "signature": "data:image/png;base64,"
                + base64.b64encode(b"\xff\xd8\xff\xe0 not a png").decode(),
            },
            {"data.signature"},
        ),
        (
            {
                "collector": {"kind": "self", "id_number": APPLICANT_ID, "id_checked": True},
                "signature": "data:image/jpeg;base64,AAAA",
            },
            {"data.signature"},
        ),
        (
            {
                "collector": {"kind": "self", "id_number": APPLICANT_ID, "id_checked": True},
                "receipt": {"signed_by": "张三", "signed_at": "2026-12-01T10:00"},
            },
            {"data.receipt"},
        ),
    ],
)
def test_a_hand_over_without_its_collector_is_400_and_changes_nothing(api, data, fields):
    """Is every missing or wrong part of the collector named in details.fields, the case left as it was?"""
    no = ready_case(api)
    before = api.get(f"/cases/{no}", as_user="clerk1").get_json()
    details = assert_error(deliver(api, no, data), 400, "invalid_request")
    assert set(details["fields"]) == fields, details
    after = api.get(f"/cases/{no}", as_user="clerk1").get_json()
    assert after["state"] == "ready_for_pickup" and after["collector"] is None
    assert after["history"] == before["history"] and after["visits"] == before["visits"]
    assert_error(api.get(f"/cases/{no}/documents/receipt", as_user="clerk1"), 404, "not_found")


def test_a_mailed_result_records_its_signed_receipt(api):
    """Mail: is the receipt (签收人, 签收时间) recorded with the waybill, and printed on the 送达回证?"""
    no = mailing_case(api)
    mailed = api.get(f"/cases/{no}", as_user="clerk1").get_json()["history"][-1]["at"]
    signed_at = datetime.fromisoformat(mailed).strftime("%Y-%m-%dT%H:%M")  # signed for at once
    answer = deliver(api, no, {"receipt": {"signed_by": "李梅", "signed_at": signed_at}})
    assert answer.status_code == 200, answer.get_json()
    collector = answer.get_json()["collector"]
    assert collector["method"] == "mail" and collector["kind"] is None and collector["name"] == "李梅"
    assert collector["signed_at"].startswith(signed_at) and collector["signed_at"].endswith("+08:00")
    assert collector["waybill_no"] == "SF1234567890" and collector["id_number"] is None

    text, _ = receipt_text(api, no)
    assert "邮寄送达" in text and "SF1234567890" in text and "李梅" in text and "签收人签名" in text


@pytest.mark.parametrize(
    "data, field",
    [
        ({"collector": {"kind": "self", "id_number": APPLICANT_ID, "id_checked": True}}, "data.collector"),
        ({"receipt": {"signed_by": "李梅", "signed_at": "2099-01-01T10:00"}}, "data.receipt.signed_at"),
        ({"receipt": {"signed_by": "李梅", "signed_at": "2020-01-01T10:00"}}, "data.receipt.signed_at"),
        ({"receipt": {"signed_by": "李梅", "signed_at": "明天上午"}}, "data.receipt.signed_at"),
        ({"receipt": {"signed_at": "2026-12-01T10:00"}}, "data.receipt.signed_by"),
        ({"signature": signature_url()}, "data.signature"),
    ],
)
def test_a_wrong_mail_receipt_is_400_and_changes_nothing(api, data, field):
    """Is a collector, a signature or a receipt signed in the future or before the mail refused by field?"""
    no = mailing_case(api)
    details = assert_error(deliver(api, no, data), 400, "invalid_request")
    assert field in details["fields"], details
    case = api.get(f"/cases/{no}", as_user="clerk1").get_json()
    assert case["state"] == "mailing" and case["collector"] is None
    assert case["history"][-1]["trigger"] == "mail"


def test_a_mailed_result_may_still_be_delivered_without_a_receipt(api):
    """Does an existing caller that fires deliver on a mailed result without data keep working?"""
    no = mailing_case(api)
    case = api.fire(no, "deliver", as_user="clerk1")
    assert case["state"] == "delivered" and case["collector"]["method"] == "mail"
    assert case["collector"]["name"] is None
    text, _ = receipt_text(api, no)
    assert "送达回证" in text and "SF1234567890" in text


def test_a_bundle_is_collected_once_for_every_part(api):
    """主题式: does the collector given for the bundle show on each of its parts too?"""
    parent = api.open_case(service="YJS-001", mode="bundle", delivery={"method": "pickup"})
    no = parent["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    for child in parent["children"]:
        approver = f"approver_{child['department']}"
        api.fire(child["case_no"], "claim", as_user=approver)
        api.fire(child["case_no"], "approve", as_user=approver, note=OPINION)
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["state"] == "ready_for_pickup"
    assert set(assert_error(deliver(api, no, {}), 400, "invalid_request")["fields"]) == {"data.collector"}
    answer = deliver(
        api, no, {"collector": {"kind": "proxy", "name": "王五", "id_number": PROXY_ID, "proxy_letter": True}}
    )
    assert answer.status_code == 200, answer.get_json()
    for child in parent["children"]:
        part = api.get(f"/cases/{child['case_no']}", as_user="clerk1").get_json()
        assert part["state"] == "delivered" and part["collector"]["name"] == "王五"
    text, _ = receipt_text(api, no)
    assert "王五（受托人，已收取授权委托书）" in text and text.count("准予许可") == len(parent["children"])
