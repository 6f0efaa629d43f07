"""The printable case documents: every kind renders, reads back, embeds its font and carries the QR code."""

import io
import logging
import os
import re
import shutil

import pytest
import qrcode
from flask import Flask
from pypdf import PdfReader

from queue_server.cases import documents
from queue_server.cases.documents import TITLES, document_font, render_case_document
from tests.conftest import service_missing

WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
PROGRESS_URL = "https://hall.example.gov.cn/progress/XQ20261130-0007"


def case_doc(**changes) -> dict:
    """A case as the lead's case_document hands it over: a 一次办 food permit at the xiqu hall."""
    doc = {
        "case_no": "XQ20261130-0007",
        "service_name": "食品经营许可证核发",
        "service_code": "SCJG-001",
        "mode_name": "一次办",
        "hall_name": "中山市西区行政服务中心",
        "hall_address": "中山市西区彩虹大道38号",
        "hall_phone": "0760-88888888",
        "department_name": "市场监督管理分局",
        "applicant_name": "张小三",
        "applicant_id_number": "4420**********1234",
        "applicant_phone": "138****5678",
        "created_at": "2026-11-30T09:05:00+08:00",
        "accepted_at": "2026-11-30T09:20:00+08:00",
        "deadline": "2026-12-14",
        "promised_days": 10,
        "legal_days": 20,
        "materials": [
            {"name": "食品经营许可申请书", "original_seen": True, "copies": 1},
            {"name": "营业执照", "original_seen": True, "copies": 2},
            {"name": "法定代表人身份证明", "original_seen": False, "copies": 1},
        ],
        "deficiencies": [{"name": "场所平面布局图", "due": "2026-12-07"}],
        "missing": ["食品安全管理制度文本", "从业人员健康证明"],
        "reason": None,
        "clerk_name": "李四",
        "window_name": "3号窗口",
        "issued_on": "2026-11-30",
        "progress_url": PROGRESS_URL,
        "delivery": {"method": "pickup", "hall_name": "中山市西区行政服务中心", "address": None},
    }
    doc.update(changes)
    return doc


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    """The document's text with line breaks and spaces removed (wrapped lines join up again)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def fonts_of(reader: PdfReader) -> list:
    return [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]


def images_of(reader: PdfReader) -> list:
    return [image for page in reader.pages for image in page.images]


@pytest.fixture
def system_font():
    """The TrueType CJK font the documents are expected to embed (fonts-wqy-microhei)."""
    if not os.path.isfile(WQY):
        service_missing("fonts-wqy-microhei", f"{WQY} not found (apt-get install fonts-wqy-microhei)")
    return WQY


@pytest.mark.parametrize("kind", list(TITLES))
def test_each_kind_renders_one_a4_page_with_number_title_and_applicant(kind, system_font):
    """Does each kind come out as one A4 page whose text has the case number, the title and the applicant?"""
    reader = read(render_case_document(kind, case_doc(reason="申请事项依法不属于本机关职权范围")))
    assert len(reader.pages) == 1
    width, height = (float(value) for value in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)
    text = text_of(reader)
    assert "XQ20261130-0007" in text
    assert TITLES[kind] in text
    assert "张小三：" in text
    assert "中山市西区行政服务中心（盖章）" in text and "2026年11月30日" in text
    assert "扫码查询办理进度" in text and PROGRESS_URL in text
    assert reader.metadata.title == f"{TITLES[kind]} XQ20261130-0007"


@pytest.mark.parametrize("kind", list(TITLES))
def test_the_cjk_font_is_embedded(kind, system_font):
    """With the TrueType font on the system, is every font that carries Chinese embedded (FontFile2)?"""
    assert document_font().path == system_font
    reader = read(render_case_document(kind, case_doc()))
    cjk = [font for font in fonts_of(reader) if "WenQuanYi" in str(font["/BaseFont"])]
    assert cjk, "the document uses no CJK font"
    for font in cjk:
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
        assert "/ToUnicode" in font  # copy and search work in viewers


def qr_grid(image, count: int) -> list[list[bool]]:
    """Read a drawn QR code of count×count modules back as its grid of dark modules (quiet zone cut off)."""
    gray = image.convert("L")
    pixels = gray.load()
    dark = [(x, y) for y in range(gray.height) for x in range(gray.width) if pixels[x, y] < 128]
    left, top = min(x for x, _ in dark), min(y for _, y in dark)
    side = max(x for x, _ in dark) + 1 - left
    assert side == max(y for _, y in dark) + 1 - top, "the code is not square"
    assert side % count == 0, "the image is not a whole number of pixels per module"
    module = side // count
    return [
        [pixels[left + x * module + module // 2, top + y * module + module // 2] < 128 for x in range(count)]
        for y in range(count)
    ]


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules a URL encodes to, at the documents' error correction level (M), without quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


@pytest.mark.parametrize("kind", ["acceptance", "refusal"])
def test_qr_code_encodes_the_progress_url(kind, system_font):
    """Is the QR code's module grid exactly the one the progress URL encodes to (and not another URL's)?"""
    reader = read(render_case_document(kind, case_doc()))
    images = images_of(reader)
    assert len(images) == 1
    expected = qr_matrix(PROGRESS_URL)
    drawn = qr_grid(images[0].image, len(expected))
    assert drawn == expected
    assert drawn != qr_matrix(PROGRESS_URL.replace("0007", "0008"))


def test_acceptance_reads_like_a_notice():
    """Does the 受理通知书 cite §32(1)5, give both limits and the deadline, list the materials and the
    pickup?"""
    text = text_of(read(render_case_document("acceptance", case_doc())))
    assert "你（单位）于2026年11月30日提交的食品经营许可证核发申请，经审查" in text
    assert "《中华人民共和国行政许可法》第三十二条第一款第五项" in text and "决定予以受理" in text
    assert "法定办结时限为20个工作日，承诺办结时限为10个工作日" in text
    assert "预计于2026年12月14日前办结" in text
    assert "食品经营许可申请书" in text and "已核验" in text
    assert "中山市西区行政服务中心统一出件窗口领取" in text
    assert "2026年11月30日09:20" in text  # 受理时间
    assert "4420**********1234" in text and "138****5678" in text


def test_deficiency_lists_each_material_with_its_due_date():
    """Does the 容缺受理通知书 list what is missing with the date it is due, and hold back the result?"""
    doc = case_doc(
        deficiencies=[
            {"name": "场所平面布局图", "due": "2026-12-07"},
            {"name": "设备布局和卫生设施示意图", "due": "2026-12-10"},
        ]
    )
    text = text_of(read(render_case_document("deficiency", doc)))
    assert "决定予以容缺受理" in text
    assert "场所平面布局图2026年12月7日" in text
    assert "设备布局和卫生设施示意图2026年12月10日" in text
    assert "容缺材料补齐前，办理结果暂不发放" in text


def test_supplement_notice_tells_everything_missing_at_once():
    """Does the 一次性告知书 cite §32(1)4 and number every missing item, with the note?"""
    doc = case_doc(
        missing=["食品安全管理制度文本", "从业人员健康证明（原件）"],
        reason="营业执照经营范围需包含食品销售。",
    )
    text = text_of(read(render_case_document("supplement", doc)))
    assert "第三十二条第一款第四项" in text and "一次性告知" in text
    assert "1.食品安全管理制度文本" in text and "2.从业人员健康证明（原件）" in text
    assert "说明：营业执照经营范围需包含食品销售。" in text
    assert "补正期间不计算在办理时限内" in text


def test_refusal_gives_the_reason_and_the_remedies():
    """Does the 不予受理通知书 state the reason, cite §32 and name review and lawsuit?"""
    doc = case_doc(reason="申请事项依法不属于本机关职权范围，请向中山市市场监督管理局申请。")
    text = text_of(read(render_case_document("refusal", doc)))
    assert "经审查，申请事项依法不属于本机关职权范围，请向中山市市场监督管理局申请。根据" in text
    assert "第三十二条的规定，决定不予受理" in text
    assert "六十日内依法申请行政复议" in text and "六个月内依法向人民法院提起行政诉讼" in text


def test_mail_delivery_names_the_address():
    """When the result is mailed, does the notice say where to instead of the pickup window?"""
    doc = case_doc(delivery={"method": "mail", "hall_name": None, "address": "中山市西区富华道1号"})
    text = text_of(read(render_case_document("acceptance", doc)))
    assert "邮寄方式免费送达：中山市西区富华道1号" in text
    assert "统一出件窗口领取" not in text


def test_online_materials_are_counted_as_scans():
    """An online case's materials are uploaded files: does the table say 电子件 N 份, not 原件 — / 复印件
    0?"""
    doc = case_doc(
        mode_name="网上办",
        materials=[
            {"name": "食品经营许可延续申请书", "original_seen": False, "copies": 0, "files": 2},
            {"name": "食品经营许可证正本、副本", "original_seen": False, "copies": 0, "files": 1},
            {"name": "营业执照", "original_seen": True, "copies": 2},  # seen at the window later
        ],
    )
    text = text_of(read(render_case_document("acceptance", doc)))
    assert "食品经营许可延续申请书电子件2份" in text
    assert "食品经营许可证正本、副本电子件1份" in text
    assert "营业执照已核验2" in text
    assert "—0" not in text  # no scan reads as "original not seen, no copies"


def test_optional_fields_may_be_missing():
    """An on-the-spot case: no acceptance time, deadline, window, delivery or materials: does it still
    render?"""
    doc = case_doc(
        accepted_at=None,
        deadline=None,
        window_name=None,
        clerk_name=None,
        delivery=None,
        materials=[],
        service_code=None,
        hall_address=None,
        hall_phone=None,
    )
    text = text_of(read(render_case_document("completion", doc)))
    assert "已于2026年11月30日当场办结（马上办）" in text
    assert "None" not in text


def test_user_text_is_not_markup():
    """Names with <, > and & come out as written, not as reportlab markup (nor an error)."""
    text = text_of(read(render_case_document("acceptance", case_doc(applicant_name="<b>A&B</b>公司"))))
    assert "<b>A&B</b>公司：" in text


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        render_case_document("receipt", case_doc())


def test_font_path_from_app_config_wins(system_font, tmp_path, monkeypatch):
    """Is PDF_FONT_PATH of the app's config used before the environment and the system fonts?"""
    configured = tmp_path / "config-font.ttc"
    shutil.copyfile(system_font, configured)
    monkeypatch.setenv("PDF_FONT_PATH", "/nonexistent/env-font.ttf")
    app = Flask(__name__)
    app.config["PDF_FONT_PATH"] = str(configured)
    with app.app_context():
        assert document_font().path == str(configured)
        reader = read(render_case_document("acceptance", case_doc()))
    assert any(
        "/FontFile2" in font["/FontDescriptor"].get_object()
        for font in fonts_of(reader)
        if "/FontDescriptor" in font
    )


def test_a_missing_configured_font_is_reported(system_font, monkeypatch, caplog):
    """A PDF_FONT_PATH that names no file: is the system font used, with a warning naming the path?"""
    monkeypatch.setenv("PDF_FONT_PATH", "/nonexistent/typo-font.ttf")
    with caplog.at_level(logging.WARNING, logger="queue_server.cases.documents"):
        assert document_font().path == system_font
    assert "/nonexistent/typo-font.ttf" in caplog.text


def test_font_path_from_the_environment_without_an_app(system_font, tmp_path, monkeypatch):
    configured = tmp_path / "env-font.ttc"
    shutil.copyfile(system_font, configured)
    monkeypatch.setenv("PDF_FONT_PATH", str(configured))
    assert document_font().path == str(configured)


def test_a_file_that_is_not_a_font_is_passed_over(system_font, tmp_path, monkeypatch, caplog):
    """A PDF_FONT_PATH that reportlab cannot load: is the next font taken, with a warning?"""
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    monkeypatch.setenv("PDF_FONT_PATH", str(broken))
    with caplog.at_level(logging.WARNING, logger="queue_server.cases.documents"):
        assert document_font().path == system_font
    assert str(broken) in caplog.text


def test_without_a_truetype_font_the_cid_font_is_used_and_warned_once(monkeypatch, caplog):
    """No TrueType CJK font anywhere: does the document still render (STSong-Light), with one warning?"""
    monkeypatch.delenv("PDF_FONT_PATH", raising=False)
    monkeypatch.setattr(documents, "SYSTEM_FONT_PATHS", ["/nonexistent/font.ttc"])
    monkeypatch.setattr(documents, "_warned_fallback", False)
    with caplog.at_level(logging.WARNING, logger="queue_server.cases.documents"):
        first = read(render_case_document("acceptance", case_doc()))
        read(render_case_document("refusal", case_doc()))
    assert document_font() == documents.DocumentFont("STSong-Light", None)
    assert caplog.text.count("no TrueType CJK font found") == 1
    fonts = fonts_of(first)
    assert any("STSong-Light" in str(font["/BaseFont"]) for font in fonts)
    assert not any("/FontFile2" in font.get("/FontDescriptor", {}) for font in fonts)
    text = text_of(first)
    assert "XQ20261130-0007" in text and "受理通知书" in text
