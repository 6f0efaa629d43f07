"""The item list as XLSX: export, and import all or nothing (SQLite and PostgreSQL)."""

from io import BytesIO

from openpyxl import Workbook, load_workbook

from tests.admin.conftest import HALL_ADMIN
from tests.admin.test_services_api import ITEM
from tests.conftest import assert_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(items) -> bytes:
    answer = items("GET", "/admin/services/export", expect=200)
    assert answer.mimetype == XLSX and "attachment" in answer.headers["Content-Disposition"]
    return answer.get_data()


def _import(items, content: bytes, as_user: str = "admin"):
    return items.upload("/admin/services/import", {"file": (BytesIO(content), "items.xlsx")}, as_user)


def _rows(content: bytes) -> list[dict]:
    sheet = load_workbook(BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def _sheet(rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    header = list(rows[0])
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column) for column in header])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


NEW_ROW = {
    "事项编码": "T-101",
    "事项名称": "测试导入事项",
    "实施部门": "市场监督管理局",
    "部门编码": "scjg",
    "受理队列": "shsd",
    "办理方式": "一次办、网上办",
    "法定时限（工作日）": 10,
    "承诺时限（工作日）": 3,
    "申请材料": "申请书（原件，1份）\n营业执照（复印件，2份，可容缺）——加盖公章",
    "可网办": "是",
    "受理条件": "在西区经营",
    "收费标准": "不收费",
}


def test_the_export_holds_every_item_in_the_columns_kept(items):
    """Does the export list every item, drafts included, in the 政务办's columns?"""
    items("POST", "/admin/services", json=ITEM, expect=201)
    rows = {row["事项编码"]: row for row in _rows(_export(items))}
    food = rows["SCJG-006"]
    assert food["法定时限（工作日）"] == 10 and food["承诺时限（工作日）"] == 5 and food["可网办"] == "是"
    assert food["实施部门"] and food["部门编码"] == "scjg" and "一次办" in food["办理方式"]
    assert food["状态"] == "已发布" and food["版本"] == 1
    draft = rows["T-001"]
    assert draft["状态"].startswith("草稿") and draft["版本"] is None
    assert draft["申请材料"].splitlines()[1] == "场所证明（复印件，1份，可容缺）"


def test_importing_the_export_changes_nothing(items):
    """Does importing the list just exported leave every item as it was (no drafts made)?"""
    before = items.audit()["total"]
    answer = _import(items, _export(items))
    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()
    assert result["created"] == [] and result["updated"] == [] and "SCJG-006" in result["unchanged"]
    assert items.audit()["total"] == before
    assert items("GET", "/admin/services?state=changed", expect=200).get_json()["total"] == 0


def test_good_rows_become_drafts(items):
    """Does an import create new items as drafts and put changes of existing ones into their drafts?"""
    items("POST", "/admin/services", json=ITEM, expect=201)
    items("POST", "/admin/services/T-001/publish", json={}, expect=200)
    rows = [row for row in _rows(_export(items)) if row["事项编码"] == "T-001"]
    rows[0]["承诺时限（工作日）"] = 2
    answer = _import(items, _sheet([*rows, NEW_ROW]))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"created": ["T-101"], "updated": ["T-001"], "unchanged": []}
    new = items("GET", "/admin/services/T-101", expect=200).get_json()
    assert new["state"] == "draft" and new["modes"] == ["once", "online"] and new["online"] is True
    assert new["materials"][1] == {
        "name": "营业执照",
        "form": "copy",
        "count": 2,
        "required": True,
        "deferrable": True,
        "note": "加盖公章",
    }
    changed = items("GET", "/admin/services/T-001", expect=200).get_json()
    assert changed["state"] == "changed" and changed["promised_days"] == 2
    assert items.api.get("/services/T-001").get_json()["promised_days"] == 5  # not published yet
    assert_error(items.api.get("/services/T-101"), 404, "not_found")


def test_one_bad_row_and_nothing_is_imported(items):
    """Does an import with bad rows answer 400 naming each row and why, and change nothing?"""
    before = items.audit()["total"]
    bad_limit = {**NEW_ROW, "事项编码": "T-102", "承诺时限（工作日）": 12}
    bad_department = {**NEW_ROW, "事项编码": "T-103", "部门编码": "nowhere", "办理方式": "飞鸽办"}
    bad_material = {**NEW_ROW, "事项编码": "T-104", "申请材料": "申请书（扫描件）"}
    answer = _import(items, _sheet([NEW_ROW, bad_limit, bad_department, bad_material, dict(NEW_ROW)]))
    details = assert_error(answer, 400, "invalid_request")
    rows = {row["row"]: row for row in details["rows"]}
    assert sorted(rows) == [3, 4, 5, 6]
    assert "承诺时限（工作日）" in rows[3]["fields"] and rows[3]["code"] == "T-102"
    assert "办理方式" in rows[4]["fields"]
    assert "申请材料" in rows[5]["fields"]
    assert "事项编码" in rows[6]["fields"]  # the same code twice
    assert_error(items("GET", "/admin/services/T-101"), 404, "not_found")
    assert items.audit()["total"] == before


def test_a_file_that_is_not_a_workbook_is_400(items):
    """Is a file that is no workbook, or lacks the columns, refused naming the file?"""
    assert "file" in assert_error(_import(items, b"not a workbook"), 400, "invalid_request")["fields"]
    assert "file" in assert_error(_import(items, _sheet([{"编码": "x"}])), 400, "invalid_request")["fields"]


def test_a_hall_admin_may_export_but_not_import(items):
    """May a hall admin export the list (reading it) but not import one (403)?"""
    assert items("GET", "/admin/services/export", as_user=HALL_ADMIN, expect=200).mimetype == XLSX
    assert_error(items("GET", "/admin/services/export", as_user="clerk1"), 403, "forbidden")
    assert_error(_import(items, _sheet([NEW_ROW]), as_user=HALL_ADMIN), 403, "forbidden")
