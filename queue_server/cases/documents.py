"""Printable case documents (通知书): A4 PDFs with an embedded Chinese font and a progress QR code.

At the comprehensive window every decision on an application gives the applicant a written notice
(行政许可法 第三十二条第二款: 加盖专用印章和注明日期的书面凭证): 受理, 容缺受理, 一次性告知补正 or
不予受理, and a 马上办 case completed on the spot gets a 办结通知书. ``render_case_document`` lays one
out from a plain dict the caller builds from the case (see ``render_case_document`` for its keys).

The font: a TrueType CJK font is embedded (as a subset) so the text renders in any viewer and on
any printer. It is found at ``PDF_FONT_PATH`` (app config, else the environment), else at the usual
Debian paths (``apt-get install fonts-wqy-microhei``). Without one, the text falls back to Adobe's
``STSong-Light`` CID font, which is not embedded: most viewers still show it, some printers do not.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from flask import current_app, has_app_context
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from queue_server.cases.layout import (
    RULE,
    Title,
    date_zh,
    datetime_zh,
    grid,
    pdf_bytes,
    plain_text,
    png_stream,
    qr_image,
    sentence,
    styles_for,
    text_width,
)

log = logging.getLogger(__name__)

TITLES = {
    "acceptance": "受理通知书",
    "deficiency": "容缺受理通知书",
    "supplement": "补正材料一次性告知书",
    "refusal": "不予受理通知书",
    "completion": "办结通知书",
}

DEFAULT_HALL_NAME = "中山市西区行政服务中心"
LAW = "《中华人民共和国行政许可法》"

# Tried in order after PDF_FONT_PATH (Debian packages fonts-wqy-microhei, fonts-wqy-zenhei,
# fonts-arphic-uming/ukai). reportlab embeds TrueType outlines only: Debian's Noto CJK fonts
# (fonts-noto-cjk) are CFF-based OpenType and cannot be used; a file that fails to load is skipped.
SYSTEM_FONT_PATHS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
]
CID_FALLBACK = "STSong-Light"

# --- the font ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentFont:
    """The font the documents are set in: its registered name and the file embedded (None: CID, not
    embedded)."""

    name: str
    path: str | None


_font_lock = threading.Lock()
_registered: dict[str, str] = {}  # font file path -> registered font name
_unusable: set[str] = set()  # font files that are missing or that reportlab cannot load
_warned_fallback = False


def _configured_font_path() -> str | None:
    """Return PDF_FONT_PATH from the app's config when there is an app, else from the environment."""
    if has_app_context() and current_app.config.get("PDF_FONT_PATH"):
        return current_app.config["PDF_FONT_PATH"]
    return os.environ.get("PDF_FONT_PATH") or None


def _register_ttf(path: str, configured: bool = False) -> str | None:
    """Register a TrueType file (subfont 0 of a collection) once; return its name, or None if unusable."""
    if path in _registered:
        return _registered[path]
    if path in _unusable:
        return None
    name = "WubanCJK-" + os.path.splitext(os.path.basename(path))[0]
    try:
        if not os.path.isfile(path):
            raise OSError("no such file")
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    except (TTFError, OSError) as exc:
        if configured or os.path.exists(path):  # a system font that is simply not installed is no news
            log.warning("PDF font %s cannot be used (%s); trying the next one", path, exc)
        _unusable.add(path)
        return None
    _registered[path] = name
    return name


def document_font() -> DocumentFont:
    """Choose the font for case documents: PDF_FONT_PATH, then the system's CJK TrueType fonts, then CID."""
    global _warned_fallback
    configured = _configured_font_path()
    with _font_lock:
        if configured and (name := _register_ttf(configured, configured=True)):
            return DocumentFont(name, configured)
        for path in SYSTEM_FONT_PATHS:
            if name := _register_ttf(path):
                return DocumentFont(name, path)
        if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
        if not _warned_fallback:
            log.warning(
                "no TrueType CJK font found (set PDF_FONT_PATH or install fonts-wqy-microhei): "
                "case documents use %s, which is not embedded",
                CID_FALLBACK,
            )
            _warned_fallback = True
        return DocumentFont(CID_FALLBACK, None)


class Notice:
    """One document being laid out: the doc dict, the styles and the story of flowables."""

    def __init__(self, kind: str, doc: dict, font: str, width: float) -> None:
        self.kind, self.doc, self.font, self.width = kind, doc, font, width
        self.s = styles_for(font)
        self.story: list = []

    def get(self, key: str, default: str = "") -> str:
        return plain_text(self.doc.get(key)) or default

    def para(self, markup: str, style: str = "body") -> None:
        self.story.append(Paragraph(markup, self.s[style]))

    def cell(self, markup: str, style: str = "cell") -> Paragraph:
        return Paragraph(markup, self.s[style])

    # the parts every notice has

    def header(self) -> None:
        self.para(self.get("hall_name", DEFAULT_HALL_NAME), "hall")
        self.story.append(Title(TITLES[self.kind], self.font))
        self.para(f"办件编号：{self.get('case_no')}", "number")
        self.story.append(Spacer(1, 8))
        self.para(f"{self.get('applicant_name')}：", "plain")

    def opening(self) -> str:
        """你（单位）于…提交的…申请: the first words of every body."""
        submitted = plain_text(date_zh(self.doc.get("created_at")))
        return f"你（单位）于{submitted}提交的{self.get('service_name')}申请，"

    def time_limit(self) -> None:
        legal, promised = self.doc.get("legal_days"), self.doc.get("promised_days")
        deadline = self.doc.get("deadline")
        sentence = (
            f"本事项法定办结时限为{legal}个工作日，承诺办结时限为{promised}个工作日，自受理之日的次日起计算"
        )
        if deadline:
            sentence += f"，预计于{plain_text(date_zh(deadline))}前办结"
        sentence += (
            "。依法需要补正材料、听证、检验、检测、检疫、鉴定和专家评审的，所需时间不计算在办理时限内。"
        )
        self.para(sentence)

    def delivery(self) -> None:
        delivery = self.doc.get("delivery") or {}
        if delivery.get("method") == "mail":
            address = plain_text(delivery.get("address")) or "申请时登记的地址"
            self.para(f"办理结果将以邮寄方式免费送达：{address}。请保持联系电话畅通。")
        else:
            hall = plain_text(delivery.get("hall_name")) or self.get("hall_name", DEFAULT_HALL_NAME)
            self.para(
                f"办结后，请凭本通知书和本人有效身份证件到{hall}统一出件窗口领取办理结果；"
                "委托他人领取的，另需提交授权委托书和受托人身份证件。"
            )

    def materials(self, heading: str = "已收取的申请材料") -> None:
        materials = self.doc.get("materials") or []
        if not materials:
            return
        rows = [[self.cell(text, "cell-head") for text in ("序号", "材料名称", "原件", "复印件（份）")]]
        scans = []  # rows of materials received online: scans, so one cell instead of original/copies
        for number, material in enumerate(materials, 1):
            if material.get("files") is not None:
                scans.append(number)
                received = [self.cell(f"电子件 {int(material['files'])} 份", "cell-head"), ""]
            else:
                received = [
                    self.cell("已核验" if material.get("original_seen") else "—", "cell-head"),
                    self.cell(str(material.get("copies") or 0), "cell-head"),
                ]
            rows.append(
                [self.cell(str(number), "cell-head"), self.cell(plain_text(material.get("name"))), *received]
            )
        self.para(heading, "heading")
        table = grid(rows, [self.width * f for f in (0.09, 0.59, 0.14, 0.18)])
        table.setStyle(TableStyle([("SPAN", (2, row), (3, row)) for row in scans]))
        self.story.append(table)

    def case_facts(self) -> None:
        """The case at a glance: item, mode, department, applicant, window, contact."""
        label = lambda text: self.cell(text, "label")  # noqa: E731
        value = lambda text: self.cell(text or "—")  # noqa: E731
        item = self.get("service_name")
        if self.doc.get("service_code"):
            item += f"（{self.get('service_code')}）"
        accepted = self.doc.get("accepted_at") if self.kind in ("acceptance", "deficiency") else None
        rows = [
            [label("申请事项"), value(item), "", ""],
            [
                label("办理方式"),
                value(self.get("mode_name")),
                label("承办部门"),
                value(self.get("department_name")),
            ],
            [
                label("申请人"),
                value(self.get("applicant_name")),
                label("证件号码"),
                value(self.get("applicant_id_number")),
            ],
            [
                label("联系电话"),
                value(self.get("applicant_phone")),
                label("申请时间"),
                value(plain_text(datetime_zh(self.doc.get("created_at")))),
            ],
            [
                label("经办窗口"),
                value(self.get("window_name")),
                label("受理时间") if accepted else label("经办人"),
                value(plain_text(datetime_zh(accepted))) if accepted else value(self.get("clerk_name")),
            ],
        ]
        if accepted:
            rows.append(
                [
                    label("经办人"),
                    value(self.get("clerk_name")),
                    label("咨询电话"),
                    value(self.get("hall_phone")),
                ]
            )
            rows.append([label("大厅地址"), value(self.get("hall_address")), "", ""])
        else:
            rows.append(
                [
                    label("大厅地址"),
                    value(self.get("hall_address")),
                    label("咨询电话"),
                    value(self.get("hall_phone")),
                ]
            )
        self.story.append(Spacer(1, 6))
        self.story.append(self.facts_table(rows, (0.14, 0.38, 0.14, 0.34), padding=2))

    def footer_row(self, qr_cell, caption: list, seal: list, qr_side: float) -> Table:
        """Lay out the foot of a notice: the progress QR code, its caption, and the hall's seal and date."""
        table = Table([[qr_cell, caption, seal]], colWidths=[qr_side + 4, self.width * 0.30, None])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (0, 0), 0),
                    ("RIGHTPADDING", (-1, 0), (-1, 0), 0),
                ]
            )
        )
        return table

    def facts_table(self, rows: list[list], widths: tuple[float, ...], padding: float) -> Table:
        """Lay out label/value rows in four columns; a row whose third cell is "" spans its value."""
        table = Table(rows, colWidths=[self.width * f for f in widths])
        commands = [
            ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f5f7fa")),
            ("TOPPADDING", (0, 0), (-1, -1), padding),
            ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
        ]
        for index, row in enumerate(rows):
            if row[2] == "":
                commands.append(("SPAN", (1, index), (3, index)))
            else:
                commands.append(("BACKGROUND", (2, index), (2, index), colors.HexColor("#f5f7fa")))
        table.setStyle(TableStyle(commands))
        return table

    def footer(self) -> None:
        """The QR code of the progress page, the applicant's receipt line and the hall's seal and date."""
        url = self.doc.get("progress_url") or ""
        qr_side = 30 * mm
        qr_cell = [Image(png_stream(qr_image(url)), width=qr_side, height=qr_side) if url else Spacer(1, 1)]
        caption = [self.cell("扫码查询办理进度", "qr-caption"), self.cell(plain_text(url), "url")]
        hall = self.get("hall_name", DEFAULT_HALL_NAME)
        seal = [
            self.cell("申请人（签收）：＿＿＿＿＿＿", "seal"),
            Spacer(1, 10),
            self.cell(f"{hall}（盖章）", "seal"),
            self.cell(plain_text(date_zh(self.doc.get("issued_on"))), "seal"),
        ]
        table = self.footer_row(qr_cell, caption, seal, qr_side)
        self.story.append(Spacer(1, 10))
        self.story.append(
            KeepTogether(
                [table, Spacer(1, 4), Paragraph("本通知书一式两份，一份交申请人，一份存档。", self.s["note"])]
            )
        )

    # the bodies, one per kind

    def body_acceptance(self) -> None:
        self.para(
            self.opening() + "经审查，申请事项属于本机关职权范围，申请材料齐全、符合法定形式。"
            f"根据{LAW}第三十二条第一款第五项的规定，决定予以受理。"
        )
        self.time_limit()
        self.delivery()
        self.materials()

    def body_deficiency(self) -> None:
        self.para(
            self.opening() + "经审查，主要申请材料齐全、符合法定形式，次要材料尚有欠缺。"
            f"根据{LAW}第三十二条的规定和容缺受理制度，决定予以容缺受理。"
        )
        if sentence(self.doc.get("reason")):
            self.para(f"说明：{plain_text(sentence(self.doc.get('reason')))}。")
        rows = [[self.cell(text, "cell-head") for text in ("序号", "容缺材料名称", "补交期限")]]
        for number, item in enumerate(self.doc.get("deficiencies") or [], 1):
            rows.append(
                [
                    self.cell(str(number), "cell-head"),
                    self.cell(plain_text(item.get("name"))),
                    self.cell(plain_text(date_zh(item.get("due"))), "cell-head"),
                ]
            )
        self.para("请于补交期限前补齐下列材料", "heading")
        self.story.append(grid(rows, [self.width * f for f in (0.09, 0.61, 0.30)]))
        self.story.append(Spacer(1, 4))
        self.para(
            f"容缺材料请提交至{self.get('hall_name', DEFAULT_HALL_NAME)}综合受理窗口。"
            "容缺材料补齐前，办理结果暂不发放。"
        )
        self.time_limit()
        self.delivery()
        self.materials()

    def body_supplement(self) -> None:
        self.para(
            self.opening() + "经审查，申请材料不齐全或者不符合法定形式。"
            f"根据{LAW}第三十二条第一款第四项的规定，现一次性告知你（单位）需要补正的全部内容如下："
        )
        for number, item in enumerate(self.doc.get("missing") or [], 1):
            self.para(f"{number}. {plain_text(item)}", "body")
        if sentence(self.doc.get("reason")):
            self.para(f"说明：{plain_text(sentence(self.doc.get('reason')))}。")
        place = self.get("hall_name", DEFAULT_HALL_NAME)
        if self.doc.get("window_name"):
            place += self.get("window_name")
        self.para(
            f"请按上述要求准备齐全后，将补正材料一并提交至{place}。"
            "补正期间不计算在办理时限内，收到全部补正材料后继续办理。"
        )
        self.materials()

    def body_refusal(self) -> None:
        reason = plain_text(sentence(self.doc.get("reason"))) or "该申请不符合受理条件"
        self.para(self.opening() + f"经审查，{reason}。根据{LAW}第三十二条的规定，决定不予受理。")
        self.para(
            "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
            "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
        )

    def body_completion(self) -> None:
        done_on = plain_text(date_zh(self.doc.get("accepted_at") or self.doc.get("issued_on")))
        self.para(
            self.opening() + f"经审查，符合办理条件，已于{done_on}当场办结（马上办），办理结果已当场交付。"
        )
        self.para("感谢你（单位）对我们工作的支持，欢迎对本次服务作出评价。")
        self.materials()

    def build(self) -> list:
        self.header()
        getattr(self, f"body_{self.kind}")()
        self.case_facts()
        self.footer()
        return self.story


def render_case_document(kind: str, doc: dict) -> bytes:
    """Lay out a case's notice of the given kind as an A4 PDF and return its bytes.

    ``kind`` is one of TITLES. ``doc`` holds strings unless noted; optional ones may be None:
    case_no, service_name, service_code, mode_name, hall_name, hall_address, hall_phone,
    department_name, applicant_name, applicant_id_number (masked), applicant_phone (masked),
    created_at, accepted_at (ISO times), deadline (date or "YYYY-MM-DD"), promised_days and legal_days
    (int), materials ([{name, original_seen: bool, copies: int}], or [{name, files: int}] for scans
    received online), deficiencies ([{name, due}]),
    missing ([str]), reason (refusal reason / note), clerk_name, window_name, issued_on (date),
    progress_url (encoded in the QR code), delivery ({method: pickup|mail, hall_name, address} or None).
    """
    if kind not in TITLES:
        raise ValueError(f"unknown case document kind: {kind!r}")
    font = document_font()
    return build_pdf(
        f"{TITLES[kind]} {doc.get('case_no') or ''}",
        doc,
        lambda width: Notice(kind, doc, font.name, width).build(),
    )


def build_pdf(title: str, doc: dict, story) -> bytes:
    """Lay out an A4 page of the hall's documents: ``story(width)`` gives the flowables for the text width."""
    return pdf_bytes(
        story(text_width()),
        title=title.strip(),
        subject=doc.get("service_name") or "",
        author=doc.get("hall_name") or DEFAULT_HALL_NAME,
    )
