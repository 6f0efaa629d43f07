"""送达回证: the receipt of a result handed over at the pickup window, or of a mailed one signed for.

Laid out like the case's other notices (``queue_server/cases/documents.py``), with the collector (本人
or 受托人), the time, and the signature drawn on screen or an empty box to sign on paper.
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image as PILImage
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Spacer, Table, TableStyle

from queue_server.cases.documents import DEFAULT_HALL_NAME, Notice, build_pdf, document_font
from queue_server.cases.layout import (
    INK,
    Title,
    date_zh,
    datetime_zh,
    plain_text,
    png_stream,
    qr_image,
)

RECEIPT_TITLE = "送达回证"
SIGNATURE_BOX = (80 * mm, 24 * mm)  # the area the collector signs in (on screen or on paper)


def _signature_image(png: bytes, box: tuple[float, float]) -> Image:
    """The signature drawn on screen, on white, scaled to fit the signature box."""
    with PILImage.open(BytesIO(png)) as drawn:
        ink = drawn.convert("RGBA")
    paper = PILImage.new("RGBA", ink.size, (255, 255, 255, 255))
    flat = PILImage.alpha_composite(paper, ink).convert("RGB")
    bbox = PILImage.eval(flat.convert("L"), lambda level: 255 - level).getbbox()
    if bbox:  # trim the empty canvas around the strokes
        pad = 6
        flat = flat.crop(
            (
                max(bbox[0] - pad, 0),
                max(bbox[1] - pad, 0),
                min(bbox[2] + pad, flat.width),
                min(bbox[3] + pad, flat.height),
            )
        )
    scale = min(box[0] / flat.width, box[1] / flat.height)
    return Image(png_stream(flat), width=flat.width * scale, height=flat.height * scale)


class _Receipt(Notice):
    """The 送达回证: what was handed over, to whom, when and by whom, with the collector's signature."""

    def __init__(self, doc: dict, font: str, width: float) -> None:
        super().__init__("receipt", doc, font, width)

    def header(self) -> None:
        self.para(self.get("hall_name", DEFAULT_HALL_NAME), "hall")
        self.story.append(Title(RECEIPT_TITLE, self.font))
        self.para(f"办件编号：{self.get('case_no')}", "number")
        self.story.append(Spacer(1, 6))

    def collector_text(self) -> str:
        collector = self.doc.get("collector") or {}
        if not collector.get("name"):
            return ""
        text = plain_text(collector["name"])
        if collector.get("kind") == "self":
            text += "（本人" + ("，已核验身份证件" if collector.get("id_checked") else "") + "）"
        elif collector.get("kind") == "proxy":
            text += "（受托人" + ("，已收取授权委托书" if collector.get("proxy_letter") else "") + "）"
        return text

    def facts(self) -> None:
        label = lambda text: self.cell(text, "label")  # noqa: E731
        value = lambda text: self.cell(text or "—")  # noqa: E731
        blank = lambda: self.cell("")  # noqa: E731  (filled in by hand on paper)
        item = self.get("service_name")
        if self.doc.get("service_code"):
            item += f"（{self.get('service_code')}）"
        results = "；".join(
            f"{plain_text(r.get('service_name'))}：{plain_text(r.get('result'))}"
            for r in self.doc.get("results") or []
        )
        delivery = self.doc.get("delivery") or {}
        by_mail = delivery.get("method") == "mail"
        collector = self.doc.get("collector") or {}
        receipt = self.doc.get("receipt") or {}
        rows = [
            [label("送达事项"), value(item), "", ""],
            [label("送达文书"), value(f"办理结果（{results}）" if results else "办理结果"), "", ""],
            [
                label("受送达人"),
                value(self.get("applicant_name")),
                label("证件号码"),
                value(self.get("applicant_id_number")),
            ],
            [
                label("承办部门"),
                value(self.get("department_name")),
                label("联系电话"),
                value(self.get("applicant_phone")),
            ],
            [
                label("送达方式"),
                value("邮寄送达" if by_mail else "窗口领取（直接送达）"),
                label("送达地点"),
                value(
                    plain_text(delivery.get("address"))
                    if by_mail
                    else self.get("hall_name", DEFAULT_HALL_NAME)
                ),
            ],
        ]
        if by_mail:
            rows.append(
                [
                    label("邮件运单号"),
                    value(self.get("waybill_no")),
                    label("签收人"),
                    value(plain_text(receipt.get("signed_by"))) if receipt.get("signed_by") else blank(),
                ]
            )
            signed_at = receipt.get("signed_at")
            rows.append(
                [
                    label("签收时间"),
                    value(plain_text(datetime_zh(signed_at))) if signed_at else blank(),
                    label("经办人"),
                    value(self.get("clerk_name")),
                ]
            )
        else:
            rows.append(
                [
                    label("领取人"),
                    value(self.collector_text()) if collector.get("name") else blank(),
                    label("领取人证件号码"),
                    value(plain_text(collector.get("id_number"))) if collector.get("id_number") else blank(),
                ]
            )
            rows.append(
                [
                    label("送达时间"),
                    value(plain_text(datetime_zh(self.doc.get("handed_at")))),
                    label("送达人（经办人）"),
                    value(self.get("clerk_name")),
                ]
            )
        self.story.append(self.facts_table(rows, (0.16, 0.36, 0.18, 0.30), padding=4))

    def signature(self) -> None:
        """The collector's signature: the one drawn on screen, or an empty box to sign on paper."""
        by_mail = (self.doc.get("delivery") or {}).get("method") == "mail"
        png = self.doc.get("signature_png")
        who = "签收人签名" if by_mail else "领取人签名"
        box_w, box_h = SIGNATURE_BOX
        mark = _signature_image(png, (box_w - 4 * mm, box_h - 4 * mm)) if png else Spacer(box_w, box_h)
        note = "（已在屏幕上签名）" if png else "（请在框内签名）"
        date_line = plain_text(date_zh(self.doc.get("handed_at"))) if png else "＿＿＿＿年＿＿月＿＿日"
        table = Table(
            [
                [
                    self.cell(f"{who}<br/>{note}", "label"),
                    mark,
                    self.cell(f"签收日期<br/>{date_line}", "label"),
                ]
            ],
            colWidths=[self.width * 0.16, box_w, None],
            rowHeights=[box_h],
        )
        table.setStyle(
            TableStyle(
                [
                    ("BOX", (1, 0), (1, 0), 0.8, INK),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ]
            )
        )
        self.story.append(Spacer(1, 10))
        self.story.append(table)

    def closing(self) -> None:
        self.story.append(Spacer(1, 8))
        self.para(
            "上述办理结果已当面（或经邮寄）送达。受送达人或其受托人签名确认后，本回证一式两份，"
            "一份交受送达人，一份由出件窗口存档。委托他人领取的，授权委托书及受托人身份证件复印件附后。",
            "note",
        )

    def footer(self) -> None:
        """The QR code of the progress page and the handing-over hall's seal and date."""
        url = self.doc.get("progress_url") or ""
        qr_side = 26 * mm
        qr_cell = [Image(png_stream(qr_image(url)), width=qr_side, height=qr_side) if url else Spacer(1, 1)]
        caption = [self.cell("扫码查询办理进度", "qr-caption"), self.cell(plain_text(url), "url")]
        seal = [
            self.cell(f"{self.get('hall_name', DEFAULT_HALL_NAME)}（盖章）", "seal"),
            self.cell(plain_text(date_zh(self.doc.get("issued_on"))), "seal"),
        ]
        table = self.footer_row(qr_cell, caption, seal, qr_side)
        self.story.append(Spacer(1, 12))
        self.story.append(KeepTogether([table]))

    def build(self) -> list:
        self.header()
        self.facts()
        self.signature()
        self.closing()
        self.footer()
        return self.story


def render_delivery_receipt(doc: dict) -> bytes:
    """Lay out a 送达回证 as an A4 PDF and return its bytes.

    ``doc`` has the keys of ``render_case_document`` (hall_name is the hall that handed it over) and:
    results ([{service_name, result}]), handed_at (ISO time), waybill_no, collector ({kind: self|proxy,
    name, id_number (masked), id_checked, proxy_letter} or None), receipt ({signed_by, signed_at} or None)
    and signature_png (the PNG drawn on screen, or None: an empty box to sign on paper).
    """
    font = document_font()
    return build_pdf(
        f"{RECEIPT_TITLE} {doc.get('case_no') or ''}",
        doc,
        lambda width: _Receipt(doc, font.name, width).build(),
    )
