"""Operator commands."""


def test_demo_load_twice_changes_nothing(app):
    """Does loading the demo into a database that has it leave everything as it was?"""
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "已存在" in result.output


def test_demo_hall_shape(client):
    """Does the demo hall have its queues with prefixes, at least 8 windows and 30 items?"""
    queues = client.get("/api/v1/halls/xiqu/queues").get_json()
    assert len(queues) >= 5 and len({queue["prefix"] for queue in queues}) == len(queues)
    assert {"商事登记", "社会事务", "建设工程", "统一出件"} <= {queue["name"] for queue in queues}
    assert len(client.get("/api/v1/services").get_json()) >= 30
    halls = {hall["code"]: hall for hall in client.get("/api/v1/halls").get_json()}
    xiqu = {"code": "xiqu", "name": "中山市西区行政服务中心", "level": "district", "parent": None}
    assert {key: halls["xiqu"][key] for key in xiqu} == xiqu and halls["xiqu"]["address"]
    # The demo city (issue #15.5): 西区's three pilot communities, a station, and a second district.
    assert {code for code, hall in halls.items() if hall["parent"] == "xiqu"} >= {
        "caihong",
        "changzhou",
        "longchang",
    }
    assert any(hall["level"] == "station" for hall in halls.values())
    assert halls["dongqu"]["level"] == "district" and halls["dongqu"]["parent"] is None
