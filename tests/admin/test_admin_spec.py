"""The administration answers, good and bad, match the served OpenAPI document."""

from tests.admin.conftest import WEEK
from tests.api.test_openapi import _check

P = "/api/v1/admin"


def test_admin_answers_match_the_spec(admin, client):
    """Do the administration endpoints answer what the spec describes (2xx, 400, 403, 404, 409)?"""
    spec = client.get("/api/v1/openapi.json").get_json()
    body = {"code": "t_spec", "name": "规格大厅", "hours": WEEK}
    _check(spec, "post", P + "/halls", admin("POST", "/admin/halls", json=body))
    _check(spec, "post", P + "/halls", admin("POST", "/admin/halls", json=body))  # 409
    _check(spec, "post", P + "/halls", admin("POST", "/admin/halls", json={}))  # 400
    _check(
        spec, "patch", P + "/halls/{hall_code}", admin("PATCH", "/admin/halls/t_spec", json={"hours": None})
    )
    _check(spec, "patch", P + "/halls/{hall_code}", admin("PATCH", "/admin/halls/nowhere", json={}))  # 404
    _check(spec, "get", P + "/halls", admin("GET", "/admin/halls"))
    _check(spec, "get", P + "/departments", admin("GET", "/admin/departments"))
    _check(
        spec,
        "post",
        P + "/departments",
        admin("POST", "/admin/departments", json={"code": "t_d", "name": "部门"}),
    )
    queue = admin("POST", "/admin/halls/t_spec/queues", json={"code": "t_q", "name": "队列", "prefix": "Q"})
    _check(spec, "post", P + "/halls/{hall_code}/queues", queue)
    _check(spec, "get", P + "/halls/{hall_code}/queues", admin("GET", "/admin/halls/t_spec/queues"))
    window = admin(
        "POST", "/admin/halls/t_spec/windows", json={"number": 1, "name": "窗口", "queues": ["t_q"]}
    )
    _check(spec, "post", P + "/halls/{hall_code}/windows", window)
    _check(spec, "get", P + "/halls/{hall_code}/windows", admin("GET", "/admin/halls/t_spec/windows"))
    path = P + "/windows/{window_id}"
    _check(
        spec,
        "patch",
        path,
        admin("PATCH", f"/admin/windows/{window.get_json()['id']}", json={"pickup": True}),
    )
    blocked = admin("DELETE", "/admin/halls/t_spec/queues/t_q")
    assert blocked.status_code == 409
    _check(spec, "delete", P + "/halls/{hall_code}/queues/{queue_code}", blocked)
    user = {
        "username": "t_spec",
        "name": "规格",
        "password": "spec-passw0rd",
        "roles": ["clerk"],
        "hall": "t_spec",
    }
    _check(spec, "post", P + "/users", admin("POST", "/admin/users", json=user))
    _check(
        spec, "patch", P + "/users/{username}", admin("PATCH", "/admin/users/t_spec", json={"active": False})
    )
    _check(
        spec,
        "patch",
        P + "/users/{username}",
        admin("PATCH", "/admin/users/t_spec", as_user="clerk1", json={}),
    )
    _check(spec, "get", P + "/users", admin("GET", "/admin/users?q=t_spec"))
    _check(spec, "get", P + "/audit", admin("GET", "/admin/audit?object=hall:t_spec"))
    _check(spec, "get", P + "/audit", admin("GET", "/admin/audit?from=x"))  # 400
