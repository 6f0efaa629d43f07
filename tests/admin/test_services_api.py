"""The 五办 item list with versions through the administration API (SQLite and PostgreSQL)."""

from datetime import timedelta

import pytest

from queue_server.calendar import clock
from tests.admin.conftest import HALL_ADMIN
from tests.conftest import assert_error

ITEM = {
    "code": "T-001",
    "name": "测试事项（食品经营备案）",
    "department": "scjg",
    "queue": "shsd",
    "modes": ["once", "immediate"],
    "legal_days": 10,
    "promised_days": 5,
    "materials": [
        {"name": "申请书", "form": "original", "count": 1, "required": True, "deferrable": False, "note": ""},
        {"name": "场所证明", "form": "copy", "required": True, "deferrable": True},
    ],
    "guide": {"conditions": "在西区经营", "fee": "不收费", "delivery": ["pickup", "mail"]},
}


def _today(app):
    with app.app_context():
        return clock.today()


def _public(items, code: str) -> dict | None:
    answer = items.api.get(f"/services/{code}")
    return answer.get_json() if answer.status_code == 200 else None


def test_a_draft_is_not_public_until_published(app, items):
    """Is a new item a draft, hidden from the public list and guide, and public once published?"""
    created = items("POST", "/admin/services", json=ITEM, expect=201).get_json()
    assert created["state"] == "draft" and created["version"] is None and created["online"] is False
    assert created["materials"][1]["deferrable"] is True and created["materials"][1]["count"] == 1
    assert _public(items, "T-001") is None
    assert "T-001" not in [item["code"] for item in items.api.get("/services").get_json()]
    assert_error(items.api.get("/services/T-001"), 404, "not_found")

    published = items("POST", "/admin/services/T-001/publish", json={}, expect=200).get_json()
    assert published["code"] == "T-001" and published["version"] == 1
    assert published["published_by"] == "admin" and published["effective"] == _today(app).isoformat()
    assert set(published) == {"code", "version", "effective", "published_at", "published_by"}
    guide = _public(items, "T-001")
    assert guide["version"] == 1 and guide["promised_days"] == 5 and guide["guide"]["fee"] == "不收费"
    listed = [item for item in items.api.get("/services?q=T-001").get_json() if item["code"] == "T-001"]
    assert listed and listed[0]["version"] == 1
    shown = items("GET", "/admin/services/T-001", expect=200).get_json()
    assert shown["state"] == "published" and shown["version"] == 1


def test_publish_makes_the_next_version_and_the_public_sees_the_published_one(items):
    """Does an edit stay in the draft until published as version n + 1, with its history?"""
    items("POST", "/admin/services", json=ITEM, expect=201)
    items("POST", "/admin/services/T-001/publish", json={}, expect=200)
    draft = items(
        "PATCH", "/admin/services/T-001", json={"name": "测试事项（新名称）", "online": True}, expect=200
    ).get_json()
    assert draft["state"] == "changed" and draft["version"] == 1 and "online" in draft["modes"]
    assert _public(items, "T-001")["name"] == "测试事项（食品经营备案）"

    second = items("POST", "/admin/services/T-001/publish", json={}, expect=200).get_json()
    assert second["version"] == 2
    guide = _public(items, "T-001")
    assert guide["name"] == "测试事项（新名称）" and guide["version"] == 2 and "online" in guide["modes"]
    assert_error(items("POST", "/admin/services/T-001/publish", json={}), 409, "conflict")

    history = items("GET", "/admin/services/T-001/versions", expect=200).get_json()
    assert [v["version"] for v in history["items"]] == [2, 1] and history["in_effect"] == 2
    assert history["items"][1]["name"] == "测试事项（食品经营备案）"
    assert all(v["published_by"] == "admin" and v["published_by_name"] for v in history["items"])
    actions = [entry["action"] for entry in items.audit(object="service:T-001")["items"]]
    assert actions[:4] == ["service.published", "service.updated", "service.published", "service.created"]


def test_a_version_published_ahead_applies_from_its_day(app, items):
    """Does a version with a later date of effect wait, the public guide keeping the one in effect?"""
    items("POST", "/admin/services", json=ITEM, expect=201)
    items("POST", "/admin/services/T-001/publish", json={}, expect=200)
    items("PATCH", "/admin/services/T-001", json={"promised_days": 3}, expect=200)
    today = _today(app)
    later = (today + timedelta(days=7)).isoformat()
    items("POST", "/admin/services/T-001/publish", json={"effective": later}, expect=200)
    assert _public(items, "T-001")["version"] == 1
    history = items("GET", "/admin/services/T-001/versions", expect=200).get_json()
    assert history["in_effect"] == 1 and history["items"][0]["effective"] == later
    earlier = (today - timedelta(days=1)).isoformat()
    items("PATCH", "/admin/services/T-001", json={"promised_days": 4}, expect=200)
    for effective in (earlier, today.isoformat()):
        answer = items("POST", "/admin/services/T-001/publish", json={"effective": effective})
        assert "effective" in assert_error(answer, 400, "invalid_request")["fields"]


def test_a_case_keeps_the_deadline_of_its_version(items):
    """Does a case keep its version's limits and deadline after a later publish, and a new case follow it?"""
    items("POST", "/admin/services", json=ITEM, expect=201)
    items("POST", "/admin/services/T-001/publish", json={}, expect=200)
    first = items.api.open_case(service="T-001")
    assert first["service_version"] == 1 and first["promised_days"] == 5

    items("PATCH", "/admin/services/T-001", json={"promised_days": 1, "legal_days": 5}, expect=200)
    items("POST", "/admin/services/T-001/publish", json={}, expect=200)
    again = items.api.get(f"/cases/{first['case_no']}", as_user="clerk1").get_json()
    assert again["service_version"] == 1 and again["promised_days"] == 5 and again["legal_days"] == 10
    assert again["deadline"] == first["deadline"]

    second = items.api.open_case(service="T-001")
    assert second["service_version"] == 2 and second["promised_days"] == 1 and second["legal_days"] == 5
    if first["deadline"] is not None:
        assert second["deadline"] < first["deadline"]


def test_an_unpublished_item_takes_no_cases(items):
    """Is a case for a draft never published refused like an unknown item?"""
    items("POST", "/admin/services", json=ITEM, expect=201)
    body = {
        "service": "T-001",
        "hall": "xiqu",
        "mode": "once",
        "applicant": {"name": "张三", "id_number": "442000199001011233", "phone": "13800138000"},
    }
    answer = items.api.post("/cases", json=body, as_user="clerk1")
    assert "service" in assert_error(answer, 400, "invalid_request")["fields"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"promised_days": 11}, "promised_days"),
        ({"code": "a b"}, "code"),
        ({"modes": []}, "modes"),
        ({"modes": ["teleport"]}, "modes.0"),
        ({"modes": ["once", "once"]}, "modes"),
        ({"department": "nowhere"}, "department"),
        ({"queue": "nowhere"}, "queue"),
        ({"legal_days": -1}, "legal_days"),
        ({"materials": [{"name": "甲"}, {"name": "甲"}]}, "materials"),
        ({"materials": [{"name": "甲", "form": "scan"}]}, "materials.0.form"),
        ({"guide": {"fee": "不收费", "colour": "红"}}, "guide.colour"),
    ],
)
def test_bad_items_are_400_and_change_nothing(items, change, field):
    """Is a bad new item 400 naming the field, with nothing created and nothing audited?"""
    before = items.audit()["total"]
    answer = items("POST", "/admin/services", json={**ITEM, **change})
    assert field in assert_error(answer, 400, "invalid_request")["fields"], answer.get_json()
    assert_error(items("GET", "/admin/services/T-001"), 404, "not_found")
    assert items.audit()["total"] == before


def test_bad_edits_are_400_and_change_nothing(items):
    """Is a PATCH making promised exceed legal (or a null) 400, the draft and the public guide unchanged?"""
    items("POST", "/admin/services", json=ITEM, expect=201)
    items("POST", "/admin/services/T-001/publish", json={}, expect=200)
    before = items.audit()["total"]
    for change, field in (
        ({"promised_days": 12}, "promised_days"),
        ({"legal_days": 4}, "promised_days"),
        ({"name": None}, "name"),
        ({"code": "T-002"}, "code"),
        ({"queue": "nowhere"}, "queue"),
    ):
        answer = items("PATCH", "/admin/services/T-001", json=change)
        assert field in assert_error(answer, 400, "invalid_request")["fields"], change
    shown = items("GET", "/admin/services/T-001", expect=200).get_json()
    assert shown["state"] == "published" and shown["promised_days"] == 5
    assert items.audit()["total"] == before
    assert_error(items("POST", "/admin/services", json=ITEM), 409, "conflict")
    assert_error(items("PATCH", "/admin/services/T-404", json={"name": "x"}), 404, "not_found")
    assert_error(items("POST", "/admin/services/T-404/publish", json={}), 404, "not_found")


def test_the_console_list_searches_filters_and_pages(items):
    """Does GET /admin/services list drafts and published items, by state, search and page?"""
    items("POST", "/admin/services", json=ITEM, expect=201)
    items("POST", "/admin/services", json={**ITEM, "code": "T-002", "name": "测试事项二"}, expect=201)
    items("POST", "/admin/services/T-002/publish", json={}, expect=200)
    drafts = items("GET", "/admin/services?state=draft&q=T-", expect=200).get_json()
    assert [item["code"] for item in drafts["items"]] == ["T-001"] and drafts["total"] == 1
    published = items("GET", "/admin/services?state=published&q=T-", expect=200).get_json()
    assert [item["code"] for item in published["items"]] == ["T-002"]
    paged = items("GET", "/admin/services?q=T-&limit=1&offset=1", expect=200).get_json()
    assert paged["total"] == 2 and [item["code"] for item in paged["items"]] == ["T-002"]
    everything = items("GET", "/admin/services?limit=200", expect=200).get_json()
    demo = next(item for item in everything["items"] if item["code"] == "SCJG-006")
    assert demo["state"] == "published" and demo["version"] == 1


def test_only_administrators_keep_the_item_list(items):
    """May a hall admin read the item list, an item and its versions but change nothing; a clerk neither?"""
    items("POST", "/admin/services", json=ITEM, expect=201)
    reads = (
        ("GET", "/admin/services", None),
        ("GET", "/admin/services/T-001", None),
        ("GET", "/admin/services/T-001/versions", None),
    )
    writes = (
        ("POST", "/admin/services", {**ITEM, "code": "T-002"}),
        ("PATCH", "/admin/services/T-001", {"name": "x"}),
        ("POST", "/admin/services/T-001/publish", {}),
    )
    listed = items("GET", "/admin/services?q=T-001", as_user=HALL_ADMIN, expect=200).get_json()
    assert [item["code"] for item in listed["items"]] == ["T-001"] and listed["items"][0]["state"] == "draft"
    shown = items("GET", "/admin/services/T-001", as_user=HALL_ADMIN, expect=200).get_json()
    assert shown["materials"][0]["name"] == "申请书"
    assert (
        items("GET", "/admin/services/T-001/versions", as_user=HALL_ADMIN, expect=200).get_json()["items"]
        == []
    )
    for method, path, body in writes:
        assert_error(items(method, path, as_user=HALL_ADMIN, json=body), 403, "forbidden")
    for method, path, body in reads + writes:
        assert_error(items(method, path, as_user="clerk1", json=body), 403, "forbidden")
    assert_error(items("GET", "/admin/services", as_user=None), 401, "unauthorized")
    assert _public(items, "T-001") is None
