"""The halls that accept an item (下放到社区): kept on the draft, the versions and the XLSX sheet."""

from tests.admin.test_item_sheet import _export, _import, _rows, _sheet
from tests.admin.test_services_api import ITEM
from tests.conftest import assert_error


def _accepting(items, hall: str) -> set[str]:
    return {item["code"] for item in items.api.get(f"/halls/{hall}/services").get_json()}


def test_an_item_names_the_halls_that_accept_it(items):
    """Does a published item with halls reach only those halls, and with halls null every hall?"""
    created = items("POST", "/admin/services", json={**ITEM, "halls": ["xiqu", "caihong"]}, expect=201)
    assert created.get_json()["halls"] == ["xiqu", "caihong"]
    items("POST", "/admin/services/T-001/publish", json={}, expect=200)
    assert items.api.get("/services/T-001").get_json()["halls"] == ["xiqu", "caihong"]
    assert "T-001" in _accepting(items, "caihong") and "T-001" not in _accepting(items, "changzhou")
    versions = items("GET", "/admin/services/T-001/versions", expect=200).get_json()["items"]
    assert versions[0]["halls"] == ["xiqu", "caihong"]

    draft = items("PATCH", "/admin/services/T-001", json={"halls": None}, expect=200).get_json()
    assert draft["halls"] is None and draft["state"] == "changed"
    assert "T-001" not in _accepting(items, "changzhou")  # the published version still rules
    items("POST", "/admin/services/T-001/publish", json={}, expect=200)
    assert "T-001" in _accepting(items, "changzhou") and "T-001" in _accepting(items, "dongqu")
    versions = items("GET", "/admin/services/T-001/versions", expect=200).get_json()["items"]
    assert [version["halls"] for version in versions] == [None, ["xiqu", "caihong"]]


def test_bad_lists_of_halls_are_refused(items):
    """Is an unknown or repeated hall 400 naming halls, and nothing made?"""
    unknown = items("POST", "/admin/services", json={**ITEM, "halls": ["xiqu", "nowhere"]})
    assert "nowhere" in assert_error(unknown, 400, "invalid_request")["fields"]["halls"]
    twice = items("POST", "/admin/services", json={**ITEM, "halls": ["xiqu", "xiqu"]})
    assert "halls" in assert_error(twice, 400, "invalid_request")["fields"]
    assert_error(items("GET", "/admin/services/T-001"), 404, "not_found")


def test_the_sheet_carries_the_accepting_halls(items):
    """Does the export write 受理大厅, and an import set or clear it (unknown halls refused)?"""
    rows = {row["事项编码"]: row for row in _rows(_export(items))}
    assert rows["MZ-001"]["受理大厅"].split("、")[:2] == ["xiqu", "caihong"]
    assert rows["GAJ-001"]["受理大厅"] in (None, "")
    items("POST", "/admin/services", json={**ITEM, "halls": ["xiqu"]}, expect=201)
    kept = {key: value for key, value in rows["SCJG-006"].items() if key not in ("状态", "版本", "生效日期")}
    row = {**kept, "事项编码": "T-001", "受理大厅": "xiqu、changzhou"}
    answer = _import(items, _sheet([row]))
    assert answer.status_code == 200, answer.get_json()
    assert items("GET", "/admin/services/T-001", expect=200).get_json()["halls"] == ["xiqu", "changzhou"]
    bad = _import(items, _sheet([{**row, "受理大厅": "xiqu、nowhere"}]))
    assert "受理大厅" in assert_error(bad, 400, "invalid_request")["rows"][0]["fields"]
