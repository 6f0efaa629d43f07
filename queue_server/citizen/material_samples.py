"""Material guides (申请材料说明): one printable A4 page per material of an item, from its guide.

The demo item list names no sample files, so instead of an invented form the page says what the
guide says about the material (form, number of copies, whether it is required or may follow later
under 容缺受理, the guide's note) and how to send it online. It is set in the case documents' CJK
font (``queue_server.cases.documents.document_font``).
"""

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from queue_server.cases.documents import DEFAULT_HALL_NAME, document_font
from queue_server.cases.layout import INK, MUTED, RULE, pdf_bytes, text_width
from queue_server.citizen.models import ServiceItem
from queue_server.uploads import size_text

FORMS = {"original": "原件", "copy": "复印件", "original_and_copy": "原件及复印件"}


def _text(value) -> str:
    return escape(str(value)) if value not in (None, "") else "—"


def render_material_guide(
    item: ServiceItem, material: dict, max_upload_bytes: int, hall_name: str | None = None
) -> bytes:
    """Lay out the guide page of one material of an item as an A4 PDF and return its bytes."""
    font = document_font().name
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, textColor=INK, wordWrap="CJK")
    styles = {
        "hall": ParagraphStyle("hall", parent=body, alignment=TA_CENTER, textColor=MUTED),
        "title": ParagraphStyle(
            "title", parent=body, fontSize=20, leading=30, alignment=TA_CENTER, spaceAfter=6
        ),
        "heading": ParagraphStyle("heading", parent=body, fontSize=12, spaceBefore=10, spaceAfter=3),
        "cell": ParagraphStyle("cell", parent=body, fontSize=10.5, leading=15),
        "item": ParagraphStyle("item", parent=body, leftIndent=14, firstLineIndent=-14),
        "note": ParagraphStyle("note", parent=body, fontSize=9, leading=13, textColor=MUTED),
    }
    guide = item.guide or {}
    form = FORMS.get(material.get("form"), material.get("form"))
    rows = [
        ("事项名称", f"{item.name}（{item.code}）"),
        ("办理部门", item.department.name),
        ("材料名称", material["name"]),
        ("材料形式", form),
        ("份数", f"{material.get('count', 1)} 份"),
        ("是否必需", "必需" if material.get("required") else "非必需（视情况提交）"),
        ("可否容缺", "可容缺受理，在规定期限内补交" if material.get("deferrable") else "不可容缺"),
        ("填报说明", material.get("note") or "无特别要求"),
    ]
    table = Table(
        [[Paragraph(k, styles["cell"]), Paragraph(_text(v), styles["cell"])] for k, v in rows],
        colWidths=[28 * mm, text_width() - 28 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f4")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    online = [
        f"上传 PDF、JPG 或 PNG 格式的扫描件或清晰照片，单个文件不超过 {size_text(max_upload_bytes)}；"
        "多页材料请合并为一个 PDF，或逐页上传。",
        "扫描件应完整、清晰，不得缺页、遮挡或涂改；复印件由申请人签名（单位加盖公章）确认与原件一致后再扫描。",
        "要求提交原件的材料，网上预审通过后在领取办理结果时出示原件核验；选择邮寄送达的，按工作人员告知寄送。",
        "申请人对所提交材料的真实性负责。材料不全或不符合要求的，工作人员将一次性告知需补正的全部内容。",
    ]
    story = [
        Paragraph(_text(hall_name or DEFAULT_HALL_NAME), styles["hall"]),
        Paragraph("申请材料说明", styles["title"]),
        table,
        Paragraph("网上提交要求", styles["heading"]),
        *[Paragraph(f"{n}. {escape(line)}", styles["item"]) for n, line in enumerate(online, 1)],
        Paragraph("咨询与办理地点", styles["heading"]),
        Paragraph(f"办理地点：{_text(guide.get('place'))}", styles["cell"]),
        Paragraph(f"办理时间：{_text(guide.get('hours'))}", styles["cell"]),
        Paragraph(f"设定依据：{_text(guide.get('basis'))}", styles["cell"]),
        Spacer(1, 10),
        Paragraph(
            "本说明依据该事项的办事指南生成，仅说明材料要求，不作为申请表格使用；"
            "与工作人员出具的一次性告知书不一致的，以告知书为准。",
            styles["note"],
        ),
    ]
    return pdf_bytes(
        story,
        title=f"申请材料说明 {material['name']}",
        subject=item.name,
        author=hall_name or DEFAULT_HALL_NAME,
    )
