"""The printable guide of a life event (一件事办事指南): the 一张图, the parts in order, every material once.

The flow is drawn from the same ``FlowLayout`` as the SVG (``citizen/bundle_flow.py``), scaled to the
width of a landscape A4 page, in the case documents' CJK font.
"""

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from queue_server.cases.documents import DEFAULT_HALL_NAME, document_font
from queue_server.cases.layout import INK, MUTED, grid, pdf_bytes, text_width
from queue_server.citizen.bundle_flow import ARROW, COLOURS, NAME_SIZE, FlowLayout, days_text
from queue_server.citizen.material_samples import FORMS

MODE_NAMES = {"immediate": "马上办（现场办结）", "once": "一次办", "citywide": "同城办"}


class FlowDrawing(Flowable):
    """A flow layout drawn on the PDF canvas, scaled to fit the frame's width (never enlarged)."""

    def __init__(self, layout: FlowLayout, font: str, max_width: float) -> None:
        super().__init__()
        self.layout, self.font = layout, font
        self.scale = min(1.0, max_width / layout.width)
        self.width, self.height = layout.width * self.scale, layout.height * self.scale

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c, layout = self.canv, self.layout
        c.saveState()
        c.translate(0, self.height)
        c.scale(self.scale, -self.scale)  # the layout's y grows downwards, as in SVG
        for arrow in layout.arrows:
            c.setStrokeColor(colors.HexColor(ARROW[arrow.status]))
            c.setFillColor(colors.HexColor(ARROW[arrow.status]))
            c.setLineWidth(1.6)
            if arrow.status != "needed":
                c.setDash(6, 4)
            path = c.beginPath()
            path.moveTo(*arrow.points[0])
            for point in arrow.points[1:]:
                path.lineTo(*point)
            c.drawPath(path, stroke=1, fill=0)
            (x, y) = arrow.points[-1]
            c.setDash()
            head = c.beginPath()
            head.moveTo(x, y)
            head.lineTo(x - 9, y - 4.5)
            head.lineTo(x - 9, y + 4.5)
            head.close()
            c.drawPath(head, stroke=0, fill=1)
        for box in layout.boxes:
            fill, stroke, ink = COLOURS["end" if box.kind != "part" else box.status]
            c.setFillColor(colors.HexColor(fill))
            c.setStrokeColor(colors.HexColor(stroke))
            c.setLineWidth(1.6)
            if box.status != "needed":
                c.setDash(6, 4)
            c.roundRect(box.x, box.y, box.w, box.h, 8, stroke=1, fill=1)
            c.setDash()
            lines = [(line, NAME_SIZE) for line in box.name] + [(line, 12) for line in box.details]
            total = sum(size * 1.35 for _, size in lines)
            y = box.y + (box.h - total) / 2
            c.setFillColor(colors.HexColor(ink))
            for text, size in lines:
                y += size * 1.35
                c.saveState()
                c.translate(box.x + box.w / 2, y - size * 0.3)
                c.scale(1, -1)  # text upright again
                c.setFont(self.font, size)
                c.drawCentredString(0, 0, text)
                c.restoreState()
        c.restoreState()


def render_bundle_guide(
    layout: FlowLayout, plan: dict, answered: bool, hall_name: str | None = None
) -> bytes:
    """Lay out a life event's printable guide (landscape A4) and return the PDF's bytes."""
    font = document_font().name
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, textColor=INK, wordWrap="CJK")
    hall_style = ParagraphStyle("hall", parent=body, alignment=TA_CENTER, textColor=MUTED)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, spaceBefore=8, spaceAfter=4)
    cell = ParagraphStyle("cell", parent=body, fontSize=9.5, leading=13)
    note = ParagraphStyle("note", parent=body, fontSize=9, leading=13, textColor=MUTED)
    page, margins = landscape(A4), (15 * mm, 12 * mm)
    frame_width = text_width(page, margins)
    names = {step["code"]: step["name"] for step in plan["steps"]}

    def table(rows: list[list[str]], widths: list[float]) -> Table:
        return grid([[Paragraph(escape(str(v)), cell) for v in row] for row in rows], widths)

    steps = [["序号", "事项", "办理部门", "办理方式", "承诺时限", "须先办结"]] + [
        [
            str(n),
            step["name"],
            step["department_name"],
            MODE_NAMES.get(step["mode"], step["mode"]),
            days_text(step["promised_days"]).removeprefix("承诺 "),
            "、".join(names.get(code, code) for code in step["waits_for"]) or "—",
        ]
        for n, step in enumerate(plan["steps"], 1)
    ]
    materials = [["序号", "材料名称", "形式与份数", "是否必需", "用于"]] + [
        [
            str(n),
            material["name"],
            f"{FORMS.get(material.get('form'), material.get('form') or '—')} {material.get('count', 1)} 份",
            ("必需" if material.get("required", True) else "视情况提交")
            + ("（可容缺）" if material.get("deferrable") else ""),
            "、".join(names.get(code, code) for code in material["for"]),
        ]
        for n, material in enumerate(plan["materials"], 1)
    ]
    w = frame_width
    story = [
        Paragraph(escape(hall_name or DEFAULT_HALL_NAME), hall_style),
        Paragraph(escape(f"{plan['name']} 办事指南（一张图）"), title),
        Paragraph(
            escape(
                f"事项编码 {plan['code']} · 共 {len(plan['steps'])} 个事项 · "
                f"全程{days_text(plan['promised_days'])}（按先后顺序计）"
                + ("" if answered else " · 虚线框为视情形办理的事项")
            ),
            hall_style,
        ),
        Spacer(1, 6),
        FlowDrawing(layout, font, frame_width),
        Paragraph("办理步骤", heading),
        table(steps, [w * 0.06, w * 0.3, w * 0.22, w * 0.14, w * 0.1, w * 0.18]),
        Paragraph("申请材料（一次提交、多次复用）", heading),
        table(materials, [w * 0.06, w * 0.34, w * 0.14, w * 0.14, w * 0.32]),
        Spacer(1, 8),
        Paragraph(
            "办理方式：到综合窗口一次提交上述材料，各部门并联审批，有先后顺序的事项在前置事项办结后自动转入审批；"
            "办结后统一窗口出件或邮寄送达。可网上预约取号，或在大厅自助取号机选择“一件事”取号。",
            body,
        ),
        Paragraph(
            "本指南依据该一件事的办理规则自动生成；与工作人员出具的一次性告知书不一致的，以告知书为准。", note
        ),
    ]
    return pdf_bytes(
        story,
        title=f"{plan['name']} 办事指南",
        subject=plan["code"],
        author=hall_name or DEFAULT_HALL_NAME,
        pagesize=page,
        margins=margins,
    )
