"""The pieces every printed case document is laid out with: wording of dates and text, the page, the
title, the paragraph styles, the QR code and the label/value grids (``documents`` and ``receipt`` use
them, and the citizen's printable guides: ``citizen/material_samples`` and ``citizen/bundle_guide``).
"""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from xml.sax.saxutils import escape

import qrcode
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, SimpleDocTemplate, Table, TableStyle

QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QR_BORDER = 4  # modules of quiet zone, as the QR standard asks
QR_PIXELS_PER_MODULE = 8  # drawn crisp even by viewers that smooth scaled images

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#9aa5b1")

# The margins of a page (left and right, top and bottom): the case documents' A4 page.
PAGE_MARGINS = (20 * mm, 15 * mm)


# --- wording helpers -----------------------------------------------------------------------------


def parse_moment(value) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, (date, datetime)):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def date_zh(value) -> str:
    """Write a date (or an ISO date/time string) the way notices do: 2026年11月30日."""
    moment = parse_moment(value)
    if moment is None:
        return str(value or "")
    return f"{moment.year}年{moment.month}月{moment.day}日"


def datetime_zh(value) -> str:
    """Write a time of the hall as 2026年11月30日 09:05 (the string's own offset is the hall's)."""
    moment = parse_moment(value)
    if not isinstance(moment, datetime):
        return date_zh(value)
    return f"{date_zh(moment)} {moment:%H:%M}"


def plain_text(value) -> str:
    """Escape a value for a reportlab Paragraph (its text is XML markup)."""
    return escape(str(value)) if value not in (None, "") else ""


def sentence(text: str | None) -> str:
    """A free-text reason as a clause inside a sentence: no closing full stop of its own."""
    return (text or "").strip().rstrip("。.；;，, ")


# --- layout --------------------------------------------------------------------------------------


def text_width(pagesize=A4, margins=PAGE_MARGINS) -> float:
    """The width the text of a page has between its side margins."""
    return pagesize[0] - 2 * margins[0]


def pdf_bytes(
    story: list[Flowable], title: str, subject: str, author: str, pagesize=A4, margins=PAGE_MARGINS
) -> bytes:
    """Lay the flowables out on pages of this size and margins and return the PDF's bytes; the title,
    subject and author (the hall) are the file's own properties."""
    side, ends = margins
    buffer = BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=side,
        rightMargin=side,
        topMargin=ends,
        bottomMargin=ends,
        title=title,
        subject=subject,
        author=author,
        creator="wuban",
    )
    pdf.build(story)
    return buffer.getvalue()


class Title(Flowable):
    """The document's title, centred and set in fake bold (the CJK fonts have no bold face)."""

    def __init__(self, text: str, font: str, size: float = 22) -> None:
        super().__init__()
        self.text, self.font, self.size = text, font, size

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, self.size * 1.5

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(INK)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(self.size / 30)
        spacing = self.size * 0.4 if len(self.text) <= 6 else 0  # short titles are letter-spaced
        text = canvas.beginText()
        text.setFont(self.font, self.size)
        text.setCharSpace(spacing)
        text.setTextRenderMode(2)  # fill and stroke: a heavier stroke than the regular face
        width = pdfmetrics.stringWidth(self.text, self.font, self.size) + spacing * (len(self.text) - 1)
        text.setTextOrigin((self.width - width) / 2, self.size * 0.35)
        text.textOut(self.text)
        canvas.drawText(text)
        canvas.restoreState()


def styles_for(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=18.5, textColor=INK, wordWrap="CJK")
    return {
        "body": ParagraphStyle("body-indent", parent=base, firstLineIndent=23, spaceAfter=3),
        "plain": base,
        "hall": ParagraphStyle("hall", parent=base, fontSize=11, alignment=TA_CENTER, textColor=MUTED),
        "number": ParagraphStyle("number", parent=base, fontSize=10.5, alignment=TA_RIGHT, textColor=MUTED),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11.5, spaceBefore=4, spaceAfter=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=13),
        "cell-head": ParagraphStyle("cell-head", parent=base, fontSize=10, leading=13, alignment=TA_CENTER),
        "label": ParagraphStyle("label", parent=base, fontSize=9.5, leading=13, textColor=MUTED),
        "seal": ParagraphStyle("seal", parent=base, fontSize=12, leading=20, alignment=TA_RIGHT),
        "qr-caption": ParagraphStyle("qr-caption", parent=base, fontSize=10, leading=13, alignment=TA_LEFT),
        "url": ParagraphStyle("url", parent=base, fontSize=7.5, leading=10, textColor=MUTED),
        "note": ParagraphStyle("note", parent=base, fontSize=9, leading=13, textColor=MUTED),
    }


def qr_image(url: str) -> PILImage.Image:
    """Draw the QR code of a URL as a black-and-white image, QR_PIXELS_PER_MODULE pixels a module."""
    code = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, border=QR_BORDER)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    image = PILImage.new("L", (size, size), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    scale = QR_PIXELS_PER_MODULE
    return image.resize((size * scale, size * scale), PILImage.Resampling.NEAREST)


def png_stream(image: PILImage.Image) -> BytesIO:
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def grid(rows: list[list], widths: list[float]) -> Table:
    """A ruled table whose first row is its head (repeated if the table runs onto a second page)."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
            ]
        )
    )
    return table
