"""一件事 一张图: the flow drawn from a bundle's definition (SVG) and the printable guide (PDF)."""

import re
import xml.etree.ElementTree as ET
from io import BytesIO

from pypdf import PdfReader

from tests.conftest import assert_error

SVG_NS = {"svg": "http://www.w3.org/2000/svg"}


def flow(api, code: str, answers: str | None = None) -> ET.Element:
    path = f"/services/{code}/flow.svg" + (f"?answers={answers}" if answers is not None else "")
    answer = api.get(path)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "image/svg+xml"
    return ET.fromstring(answer.get_data(as_text=True))


def boxes(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-code"): g for g in svg.iterfind(".//svg:g[@class='flow-box']", SVG_NS)}


def arrows(svg: ET.Element) -> set[tuple[str, str]]:
    return {(a.get("data-from"), a.get("data-to")) for a in svg.iterfind(".//svg:polyline", SVG_NS)}


def x_of(box: ET.Element) -> float:
    return float(box.find("svg:rect", SVG_NS).get("x"))


def test_the_flow_has_a_box_per_part_in_columns_by_what_it_waits_for(api):
    """开餐馆: 受理, then 营业执照, then the parts waiting for it in one column, then 统一出件; arrows
    follow the order; each box names its department and promised days; optional parts are marked."""
    svg = flow(api, "YJS-001")
    found = boxes(svg)
    assert set(found) == {"start", "SCJG-001", "SCJG-006", "CGJ-002", "ZJJ-003", "ZJJ-004", "end"}
    assert x_of(found["start"]) < x_of(found["SCJG-001"]) < x_of(found["SCJG-006"]) < x_of(found["end"])
    assert x_of(found["SCJG-006"]) == x_of(found["CGJ-002"]) == x_of(found["ZJJ-003"])
    assert x_of(found["ZJJ-004"]) == x_of(found["SCJG-001"])  # 消防 waits for nothing
    assert arrows(svg) == {
        ("start", "SCJG-001"),
        ("start", "ZJJ-004"),
        ("SCJG-001", "SCJG-006"),
        ("SCJG-001", "CGJ-002"),
        ("SCJG-001", "ZJJ-003"),
        ("SCJG-006", "end"),
        ("CGJ-002", "end"),
        ("ZJJ-003", "end"),
        ("ZJJ-004", "end"),
    }
    licence = " ".join(t.text for t in found["SCJG-001"].iterfind("svg:text", SVG_NS))
    assert "营业执照" in licence and "市场监督管理" in licence and "承诺 1 个工作日" in licence
    assert found["SCJG-001"].get("data-status") == "needed"
    assert found["ZJJ-004"].get("data-status") == found["CGJ-002"].get("data-status") == "optional"
    assert "视情形办理" in found["ZJJ-004"].get("aria-label")


def test_answers_mark_the_parts_left_out(api):
    """Answered (over 300 m², no signboard): 消防 is needed, 户外招牌 is drawn as not needed this time."""
    found = boxes(flow(api, "YJS-001", "area_over_300:yes,signboard:no"))
    assert found["ZJJ-004"].get("data-status") == "needed"
    assert found["CGJ-002"].get("data-status") == "skipped"
    assert "本次无需办理" in found["CGJ-002"].get("aria-label")
    # A chain: 出生登记, then 医保参保, then 社保卡 each a column further; 生育登记 in the first.
    found = boxes(flow(api, "YJS-002", ""))
    columns = [x_of(found[code]) for code in ("GAJ-005", "YBJ-001", "RSJ-002")]
    assert columns == sorted(columns) and len(set(columns)) == 3
    assert x_of(found["WJJ-002"]) == columns[0]
    assert "即办" in found["WJJ-002"].get("aria-label")


def test_the_guide_pdf_holds_the_flow_the_parts_and_each_material_once(api):
    """The printable guide names the event, every needed part with its department, and each material
    once (一次提交、多次复用), for these answers."""
    answer = api.get("/services/YJS-005/guide.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(answer.data)).pages)
    compact = re.sub(r"\s+", "", text)
    assert "退休（一件事）办事指南" in compact
    assert "退休待遇申领" in compact and "职工医保退休人员待遇核定" in compact
    assert "综合窗口受理" in compact and "统一出件" in compact  # the flow's boxes
    assert compact.count("申请人居民身份证") == 1

    answer = api.get("/services/YJS-001/guide.pdf?answers=area_over_300:yes,signboard:no")
    assert answer.status_code == 200
    compact = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(BytesIO(answer.data)).pages))
    assert "建设工程消防验收备案表" in compact and "户外广告设置许可" in compact  # drawn, not needed


def test_bad_flow_and_guide_requests_answer_the_contract_errors(api):
    """Unknown bundle: 404; not a bundle, an unknown question or value, malformed answers: 400 naming it."""
    for kind in ("flow.svg", "guide.pdf"):
        assert_error(api.get(f"/services/NOPE-1/{kind}"), 404, "not_found")
        fields = assert_error(api.get(f"/services/SCJG-006/{kind}"), 400, "invalid_request")["fields"]
        assert "service" in fields
        bad = api.get(f"/services/YJS-001/{kind}?answers=floors:3")
        assert "answers.floors" in assert_error(bad, 400, "invalid_request")["fields"]
        bad = api.get(f"/services/YJS-001/{kind}?answers=area_over_300:maybe")
        assert "answers.area_over_300" in assert_error(bad, 400, "invalid_request")["fields"]
        bad = api.get(f"/services/YJS-001/{kind}?answers=area_over_300")
        assert "answers" in assert_error(bad, 400, "invalid_request")["fields"]
