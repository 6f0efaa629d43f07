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
    halls = client.get("/api/v1/halls").get_json()
    assert halls == [{"code": "xiqu", "name": "中山市西区行政服务中心", "address": halls[0]["address"]}]
