"""The city of halls: the hall tree, the items each hall accepts, and intake refusing the others."""

from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, assert_error

WEST = ["xiqu", "caihong", "jinse", "changzhou", "longchang", "cuijing"]


def test_every_hall_is_listed_as_a_tree(api):
    """Does GET /halls list the demo city, each district followed by its communities and their stations?"""
    halls = api.get("/halls").get_json()
    codes = [hall["code"] for hall in halls]
    assert codes == [*WEST, "dongqu", "qiwan"]
    by_code = {hall["code"]: hall for hall in halls}
    assert by_code["xiqu"] == {
        "code": "xiqu",
        "name": "中山市西区行政服务中心",
        "address": "广东省中山市西区富华道38号西区行政服务中心",
        "level": "district",
        "parent": None,
    }
    assert (by_code["caihong"]["level"], by_code["caihong"]["parent"]) == ("community", "xiqu")
    assert (by_code["jinse"]["level"], by_code["jinse"]["parent"]) == ("station", "caihong")
    assert by_code["dongqu"]["parent"] is None and by_code["qiwan"]["parent"] == "dongqu"


def test_a_halls_children(api):
    """Does ?parent= list that hall's children only, none for a station, and 400 for an unknown hall?"""
    assert [h["code"] for h in api.get("/halls?parent=xiqu").get_json()] == [
        "caihong",
        "changzhou",
        "longchang",
    ]
    assert [h["code"] for h in api.get("/halls?parent=longchang").get_json()] == ["cuijing"]
    assert api.get("/halls?parent=jinse").get_json() == []
    fields = assert_error(api.get("/halls?parent=nowhere"), 400, "invalid_request")["fields"]
    assert "nowhere" in fields["parent"]


def test_each_hall_lists_the_items_it_accepts(api):
    """Does a community accept its community list and the citywide items, the district hall all of them?"""

    def codes(hall: str) -> set[str]:
        answer = api.get(f"/halls/{hall}/services")
        assert answer.status_code == 200, answer.get_json()
        return {item["code"] for item in answer.get_json()}

    every = {item["code"] for item in api.get("/services").get_json()}
    assert codes("xiqu") == every
    community = codes("changzhou")
    assert {"MZ-001", "MZ-002", "MZ-003", "CL-001"} <= community  # 长洲社区事项清单
    assert {"GAJ-001", "RSJ-002", "SCJG-001"} <= community  # 同城办: every hall
    assert "SCJG-006" not in community and "ZJJ-001" not in community  # decided and taken in at the district
    assert "MZ-001" in codes("jinse")  # a station's agents take the community list in
    shown = api.get("/services/SCJG-006").get_json()
    assert shown["halls"] == ["xiqu", "dongqu"]
    assert api.get("/services/GAJ-001").get_json()["halls"] is None
    found = api.get("/halls/changzhou/services?q=最低生活保障").get_json()
    assert [item["code"] for item in found] == ["MZ-001"]
    assert_error(api.get("/halls/nowhere/services"), 404, "not_found")


def _case(api, hall: str, service: str, clerk: str):
    return api.post(
        "/cases",
        as_user=clerk,
        json={
            "service": service,
            "hall": hall,
            "mode": "once",
            "applicant": {"name": "张三", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
            "delivery": {"method": "mail", "address": "广东省中山市西区长洲大街1号"},
        },
    )


def test_a_case_at_a_hall_that_does_not_accept_the_item_is_refused(api):
    """Is POST /cases 400 naming service at a hall outside the item's list, and 201 at one inside it?"""
    before = api.get("/cases", as_user="changzhou_clerk").get_json()["total"]
    fields = assert_error(_case(api, "changzhou", "SCJG-006", "changzhou_clerk"), 400, "invalid_request")[
        "fields"
    ]
    assert set(fields) == {"service"} and "长洲社区服务中心不受理该事项" in fields["service"]
    assert api.get("/cases", as_user="changzhou_clerk").get_json()["total"] == before
    accepted = _case(api, "changzhou", "MZ-001", "changzhou_clerk")
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["hall"] == "changzhou"
    assert _case(api, "xiqu", "SCJG-006", "clerk1").status_code == 201
