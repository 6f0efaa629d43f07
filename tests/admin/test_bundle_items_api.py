"""一件事 as administered data: parts, their order and questions, edited and published like any item."""

import pytest

from tests.conftest import assert_error

BUNDLE = {
    "code": "T-B01",
    "name": "测试一件事（开奶茶店）",
    "department": "scjg",
    "queue": "shsd",
    "modes": ["bundle"],
    "legal_days": 13,
    "promised_days": 6,
    "materials": [{"name": "申请书"}],
    "parts": ["SCJG-001", "SCJG-006", "ZJJ-004"],
    "depends": {"SCJG-006": ["SCJG-001"]},
    "questions": [
        {
            "id": "area_over_300",
            "text": "经营面积是否超过 300 平方米？",
            "choices": [
                {"value": "no", "label": "否"},
                {"value": "yes", "label": "是", "adds": ["ZJJ-004"]},
            ],
        }
    ],
}


def test_a_bundle_is_kept_and_published_with_its_parts_order_and_questions(items):
    """Is a bundle created as a draft, public with its definition once published, and planned from it?"""
    created = items("POST", "/admin/services", json=BUNDLE, expect=201).get_json()
    assert created["parts"] == BUNDLE["parts"] and created["depends"] == BUNDLE["depends"]
    assert created["questions"][0]["choices"][1]["adds"] == ["ZJJ-004"]
    items("POST", "/admin/services/T-B01/publish", json={}, expect=200)
    public = items.api.get("/services/T-B01").get_json()
    assert public["depends"] == {"SCJG-006": ["SCJG-001"]} and public["questions"][0]["id"] == "area_over_300"
    plan = items.api.post("/services/T-B01/plan", json={"answers": {"area_over_300": "yes"}}).get_json()
    assert plan["parts"] == ["SCJG-001", "SCJG-006", "ZJJ-004"] and plan["promised_days"] == 6

    # An edit goes to the draft; the published version stays until the next publication.
    items("PATCH", "/admin/services/T-B01", json={"depends": {}}, expect=200)
    assert items.api.get("/services/T-B01").get_json()["depends"] == {"SCJG-006": ["SCJG-001"]}
    items("POST", "/admin/services/T-B01/publish", json={}, expect=200)
    assert items.api.get("/services/T-B01").get_json()["depends"] == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parts": ["SCJG-001", "NOPE-9"]}, "parts.1"),
        ({"parts": ["SCJG-001", "YJS-002"]}, "parts.1"),  # a bundle is not a part
        ({"parts": ["SCJG-001"], "depends": {}, "questions": []}, "parts"),
        ({"parts": ["SCJG-001", "SCJG-001"]}, "parts"),
        ({"parts": ["SCJG-001", "SCJG-007"], "depends": {}, "questions": []}, "parts.1"),  # online only
        ({"depends": {"SCJG-006": ["RSJ-001"]}}, "depends.SCJG-006.0"),
        ({"depends": {"RSJ-001": ["SCJG-001"]}}, "depends.RSJ-001"),
        (
            {"depends": {"SCJG-006": ["SCJG-001"], "SCJG-001": ["ZJJ-004"], "ZJJ-004": ["SCJG-006"]}},
            "depends",
        ),
        ({"depends": {"SCJG-006": ["SCJG-006"]}}, "depends.SCJG-006.0"),
        (
            {"questions": [{"id": "q", "text": "问题", "choices": [{"value": "a", "label": "甲"}]}]},
            "questions.0.choices",
        ),
        (
            {
                "questions": [
                    {
                        "id": "q",
                        "text": "问题",
                        "choices": [{"value": "a", "label": "甲"}, {"value": "a", "label": "乙"}],
                    }
                ]
            },
            "questions.0.choices",
        ),
        (
            {
                "questions": [
                    {
                        "id": "q",
                        "text": "问题",
                        "choices": [
                            {"value": "a", "label": "甲", "adds": ["RSJ-001"]},
                            {"value": "b", "label": "乙"},
                        ],
                    }
                ]
            },
            "questions.0.choices.0.adds.0",
        ),
        ({"modes": ["once"]}, "parts"),  # parts only belong to a bundle
        ({"modes": ["bundle", "once"]}, "modes"),
    ],
)
def test_a_bad_bundle_is_400_naming_the_field(items, change, field):
    """Is an unknown part, a bundle as a part, a circular or foreign order, a bad question refused?"""
    answer = items("POST", "/admin/services", json={**BUNDLE, **change})
    assert field in assert_error(answer, 400, "invalid_request")["fields"], answer.get_json()
    assert items.api.get("/admin/services?q=T-B01", as_user="admin").get_json()["total"] == 0
