"""The public 五办 item list and guides."""

from tests.conftest import assert_error


def test_item_list_filters(client):
    """Can citizens filter the item list by mode, department and a search word?"""
    every = client.get("/api/v1/services").get_json()
    assert len(every) >= 30
    immediate = client.get("/api/v1/services?mode=immediate").get_json()
    assert immediate and all("immediate" in item["modes"] for item in immediate)
    assert all(item["promised_days"] <= item["legal_days"] for item in every)
    market = client.get("/api/v1/services?department=scjg").get_json()
    assert market and all(item["department"] == "scjg" for item in market)
    licences = client.get("/api/v1/services?q=营业执照").get_json()
    assert licences and all("营业执照" in item["name"] for item in licences)
    assert client.get("/api/v1/services?q=%25").get_json() == []  # a LIKE wildcard is searched literally


def test_item_guide(client):
    """Does an item come with its guide and materials?"""
    code = client.get("/api/v1/services?q=营业执照").get_json()[0]["code"]
    item = client.get(f"/api/v1/services/{code}").get_json()
    assert item["guide"]["basis"] and item["guide"]["conditions"]
    assert item["materials"] and {"name", "form", "count", "required", "deferrable"} <= set(
        item["materials"][0]
    )
    assert set(item["mode_names"]) <= {"马上办", "网上办", "一次办", "代理办", "同城办"}


def test_unknown_item_and_bad_mode(client):
    """Is an unknown item 404 and an unknown mode 400?"""
    assert_error(client.get("/api/v1/services/NOPE-404"), 404, "not_found")
    details = assert_error(client.get("/api/v1/services?mode=fast"), 400, "invalid_request")
    assert "mode" in details["fields"]
