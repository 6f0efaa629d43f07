"""The 五办 item list as an XLSX sheet in the columns a 政务办 keeps: exported, and imported all or nothing.

An import checks every row first (its fields, department, queue, accepting halls and limits); when any
row is bad it changes nothing and answers 400 with each bad row and why. Good rows become drafts: new
items, or changes to the draft of an existing one (published as usual afterwards).
"""

import re
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import select

from queue_server.accounts import policy
from queue_server.admin import services
from queue_server.admin.schemas import ServicePatch, ServiceRequest
from queue_server.citizen.models import ServiceItem
from queue_server.errors import InvalidRequest
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall, Queue
from queue_server.validation import parse
from workflows.case import MODE_NAMES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMS = {"original": "原件", "copy": "复印件", "original_and_copy": "原件及复印件"}
STATES = {"draft": "草稿（未发布）", "published": "已发布", "changed": "已发布（有待发布的修改）"}
GUIDE = {
    "受理条件": "conditions",
    "设定依据": "basis",
    "收费标准": "fee",
    "办理地点": "place",
    "办理时间": "hours",
    "办理结果": "result",
    "备注": "notes",
}
# 下放: the codes of the halls that accept the item, 、-separated; empty: every hall.
HALLS = "受理大厅"
# The columns, in order; the last three are read only (the import leaves them).
COLUMNS = (
    "事项编码",
    "事项名称",
    "实施部门",
    "部门编码",
    "受理队列",
    "办理方式",
    "法定时限（工作日）",
    "承诺时限（工作日）",
    "申请材料",
    "可网办",
    HALLS,
    *GUIDE,
    "状态",
    "版本",
    "生效日期",
)
REQUIRED = (
    "事项编码",
    "事项名称",
    "部门编码",
    "受理队列",
    "办理方式",
    "法定时限（工作日）",
    "承诺时限（工作日）",
)
MATERIAL = re.compile(
    r"^(?P<name>.+?)（(?P<form>原件及复印件|原件|复印件)，(?P<count>\d+)份(?P<flags>(?:，[^，）]+)*)）"
    r"(?:——(?P<note>.*))?$"
)
FIELD_COLUMNS = {
    "code": "事项编码",
    "name": "事项名称",
    "department": "部门编码",
    "queue": "受理队列",
    "modes": "办理方式",
    "legal_days": "法定时限（工作日）",
    "promised_days": "承诺时限（工作日）",
    "materials": "申请材料",
    "online": "可网办",
    "halls": HALLS,
    "guide": "办事指南",
}


def material_text(material: dict) -> str:
    """Write a material as one line: 名称（原件，1份，可容缺）——备注."""
    flags = "" if material.get("required", True) else "，非必交"
    flags += "，可容缺" if material.get("deferrable") else ""
    form = FORMS.get(material.get("form", "original"), "原件")
    note = f"——{material['note']}" if material.get("note") else ""
    return f"{material['name']}（{form}，{material.get('count', 1)}份{flags}）{note}"


def export_items(actor) -> bytes:
    """Write every item (its draft when one waits, else its newest version) to an XLSX workbook."""
    policy.require(actor, "service.read")
    departments = {d.code: d.name for d in db.session.scalars(select(Department))}
    book = Workbook()
    sheet = book.active
    sheet.title = "五办事项清单"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    for item in db.session.scalars(select(ServiceItem).order_by(ServiceItem.code)):
        view = services.item_view(item)
        guide = view["guide"] or {}
        sheet.append(
            [
                view["code"],
                view["name"],
                departments.get(view["department"], ""),
                view["department"],
                view["queue"],
                "、".join(MODE_NAMES.get(mode, mode) for mode in view["modes"]),
                view["legal_days"],
                view["promised_days"],
                "\n".join(material_text(m) for m in view["materials"]),
                "是" if view["online"] else "否",
                "、".join(view["halls"]) if view["halls"] is not None else "",
                *(str(guide.get(key) or "") for key in GUIDE.values()),
                STATES[view["state"]],
                view["version"],
                view["effective"].isoformat() if view["effective"] else "",
            ]
        )
    for column, width in zip("ABCDEFGHIJKLMNOPQRS", (12, 30, 16, 10, 10, 22, 10, 10, 48, 8), strict=False):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _modes(text: str) -> list[str]:
    codes = {name: code for code, name in MODE_NAMES.items()}
    names = [name.strip() for name in re.split(r"[、，,；;/\s]+", text) if name.strip()]
    unknown = [name for name in names if name not in codes]
    if unknown:
        raise ValueError(f"不认识的办理方式：{'、'.join(unknown)}（可选：{'、'.join(codes)}）")
    return [codes[name] for name in names]


def _materials(text: str) -> list[dict]:
    materials = []
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        match = MATERIAL.match(line)
        if match is None:
            raise ValueError(
                f"材料“{line}”应写作：名称（原件/复印件/原件及复印件，N份[，非必交][，可容缺]）[——备注]"
            )
        flags = {flag for flag in match["flags"].split("，") if flag}
        unknown = flags - {"非必交", "可容缺"}
        if unknown:
            raise ValueError(f"材料“{match['name']}”的标注只能是“非必交”“可容缺”：{'、'.join(unknown)}")
        form = next(code for code, name in FORMS.items() if name == match["form"])
        materials.append(
            {
                "name": match["name"],
                "form": form,
                "count": int(match["count"]),
                "required": "非必交" not in flags,
                "deferrable": "可容缺" in flags,
                "note": (match["note"] or "").strip(),
            }
        )
    return materials


def _days(text: str):
    return int(text) if re.fullmatch(r"\d{1,4}", text) else text  # a non-number is refused by the schema


def _row_body(values: dict, existing: ServiceItem | None) -> dict:
    """Turn a sheet row into the body of a new item (or of a whole edit), or raise ValueError."""
    problems = {}
    body = {
        "code": values["事项编码"],
        "name": values["事项名称"],
        "department": values["部门编码"],
        "queue": values["受理队列"],
        "legal_days": _days(values["法定时限（工作日）"]),
        "promised_days": _days(values["承诺时限（工作日）"]),
    }
    try:
        body["modes"] = _modes(values["办理方式"])
    except ValueError as error:
        problems["modes"] = str(error)
    try:
        body["materials"] = _materials(values["申请材料"])
    except ValueError as error:
        problems["materials"] = str(error)
    online = values["可网办"]
    if online:
        if online not in ("是", "否"):
            problems["online"] = "请填“是”或“否”"
        body["online"] = online == "是"
    base_guide = {}
    if existing is not None:
        base_guide = services.item_view(existing)["guide"] or {}
    guide = {key: base_guide[key] for key in ("visits", "delivery") if key in base_guide}
    guide.update({key: values[column] for column, key in GUIDE.items()})
    body["guide"] = guide
    if HALLS in values:  # a sheet without the column leaves the accepting halls as they are
        codes = [code for code in re.split(r"[、，,；;/\s]+", values[HALLS]) if code]
        body["halls"] = codes or None
    if problems:
        raise InvalidRequest(problems)
    return body


def _read_rows(content: bytes) -> list[tuple[int, dict]]:
    try:
        book = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidRequest({"file": "不是有效的 Excel 工作簿（.xlsx）"}, "文件无法读取") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(value) for value in next(rows, ())]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise InvalidRequest({"file": f"表头缺少列：{'、'.join(missing)}"}, "文件格式不对")
    read = []
    for number, row in enumerate(rows, start=2):
        values = {column: "" for column in COLUMNS if column != HALLS or HALLS in header}
        cells = zip(header, row, strict=False)
        values.update({column: _text(value) for column, value in cells if column})
        if any(values[column] for column in REQUIRED):
            read.append((number, values))
    if not read:
        raise InvalidRequest({"file": "表中没有事项"}, "文件中没有可导入的行")
    return read


def import_items(actor, content: bytes) -> dict:
    """Check every row, then make each a draft (new item or edit); 400 with the bad rows, nothing changed."""
    policy.require(actor, "service.administer")
    rows = _read_rows(content)
    departments = set(db.session.scalars(select(Department.code)))
    queues = set(db.session.scalars(select(Queue.code)))
    halls = set(db.session.scalars(select(Hall.code)))
    existing = {item.code: item for item in db.session.scalars(select(ServiceItem))}
    bad, good, seen = [], [], {}
    for number, values in rows:
        item = existing.get(values["事项编码"])
        fields = {}
        try:
            body = _row_body(values, item)
            req = parse(ServiceRequest, body)
        except InvalidRequest as error:
            fields = dict(error.details["fields"])
        else:
            if req.department not in departments:
                fields["department"] = f"部门不存在：{req.department}"
            if req.queue not in queues:
                fields["queue"] = f"没有这个队列：{req.queue}"
            unknown = [code for code in req.halls or [] if code not in halls]
            if unknown:
                fields["halls"] = f"没有该服务大厅：{'、'.join(unknown)}"
            if req.code in seen:
                fields["code"] = f"与第 {seen[req.code]} 行的事项编码重复"
            seen.setdefault(req.code, number)
        if fields:
            bad.append(
                {
                    "row": number,
                    "code": values["事项编码"] or None,
                    "fields": {_column(field): message for field, message in fields.items()},
                }
            )
        else:
            good.append((body, item))
    if bad:
        error = InvalidRequest(
            {"file": f"有 {len(bad)} 行不符合要求，未导入任何事项"}, "导入失败：表中有错误的行"
        )
        error.details["rows"] = bad
        raise error
    created, updated, unchanged = [], [], []
    for body, item in good:
        if item is None:
            created.append(services.create_item(actor, parse(ServiceRequest, body)).code)
            continue
        patch = parse(ServicePatch, {key: value for key, value in body.items() if key != "code"})
        before, after = services.draft_of(item, patch)
        if before == after:
            unchanged.append(item.code)
        else:
            services.update_item(actor, item, patch)
            updated.append(item.code)
    return {"created": created, "updated": updated, "unchanged": unchanged}


def _column(field: str) -> str:
    """Name the sheet column of a body field (``materials.0.name`` → 申请材料)."""
    head = field.split(".", 1)[0]
    if head == "guide":
        key = field.split(".")[1] if "." in field else ""
        return next((column for column, name in GUIDE.items() if name == key), "办事指南")
    return FIELD_COLUMNS.get(head, field)
