"""The OpenAPI spec describes every route the server has, and the answers match it."""

import re

import jsonschema
import pytest

from tests.conftest import Api


def _flask_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1") or rule.rule == "/healthz"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_route_is_described(app, client):
    """Does the served spec list exactly the routes the server answers?"""
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    described = {(method, path) for path, operations in spec["paths"].items() for method in operations}
    assert described == _flask_routes(app)


def _validator(spec: dict, schema: dict):
    resolver_root = {"components": spec["components"], **schema}
    return jsonschema.Draft202012Validator(resolver_root)


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _check(spec, method, path, answer):
    described = spec["paths"][path][method]["responses"][str(answer.status_code)]
    if answer.status_code == 204:
        return
    schema = described["content"]["application/json"]["schema"]
    _validator(spec, schema).validate(answer.get_json())


def test_answers_match_the_spec(client, spec):
    """Do real answers, good and bad, validate against the described schemas?"""
    api = Api(client)
    _check(
        spec,
        "post",
        "/api/v1/halls/{hall_code}/tickets",
        api.post("/halls/xiqu/tickets", json={"queue": "shsd"}),
    )
    _check(
        spec, "post", "/api/v1/halls/{hall_code}/tickets", api.post("/halls/xiqu/tickets", json={"queue": 1})
    )
    _check(spec, "get", "/api/v1/halls", api.get("/halls"))
    _check(spec, "get", "/api/v1/halls/{hall_code}/queues", api.get("/halls/xiqu/queues"))
    _check(spec, "get", "/api/v1/halls/{hall_code}/windows", api.get("/halls/xiqu/windows", as_user="clerk1"))
    window = api.open_window(1)
    called = api.post(f"/windows/{window}/call-next", as_user="clerk1")
    _check(spec, "post", "/api/v1/windows/{window_id}/call-next", called)
    _check(
        spec,
        "post",
        "/api/v1/windows/{window_id}/call-next",
        api.post(f"/windows/{window}/call-next", as_user="clerk1"),
    )
    ticket_id = called.get_json()["id"]
    _check(
        spec,
        "post",
        "/api/v1/tickets/{ticket_id}/{trigger}",
        api.post(f"/tickets/{ticket_id}/finish", as_user="clerk1"),
    )
    _check(spec, "get", "/api/v1/tickets/{ticket_id}", api.get(f"/tickets/{ticket_id}"))
    _check(
        spec,
        "get",
        "/api/v1/tickets/{ticket_id}/history",
        api.get(f"/tickets/{ticket_id}/history", as_user="clerk1"),
    )
    _check(spec, "get", "/api/v1/halls/{hall_code}/board", api.get("/halls/xiqu/board"))
    _check(
        spec, "get", "/api/v1/calendar/deadline", api.get("/calendar/deadline?start=2026-09-30&workdays=5")
    )
    _check(spec, "get", "/api/v1/calendar", api.get("/calendar?from=2026-09-30&to=2026-10-10"))
    _check(spec, "get", "/api/v1/services", api.get("/services"))
    code = api.get("/services").get_json()[0]["code"]
    _check(spec, "get", "/api/v1/services/{code}", api.get(f"/services/{code}"))
    _check(spec, "get", "/healthz", client.get("/healthz"))
    _check(
        spec,
        "post",
        "/api/v1/auth/token",
        client.post("/api/v1/auth/token", json={"username": "clerk1", "password": "demo"}),
    )


def test_case_answers_match_the_spec(client, spec):
    """Do the case endpoints' answers, good and bad, validate against the described schemas?"""
    api = Api(client)
    case = api.open_case()
    _check(spec, "post", "/api/v1/cases", api.post("/cases", json={"service": "SCJG-006"}, as_user="clerk1"))
    no = case["case_no"]
    fire = "/api/v1/cases/{case_no}/transitions"
    _check(
        spec, "post", fire, api.post(f"/cases/{no}/transitions", json={"trigger": "accept"}, as_user="clerk1")
    )
    _check(
        spec, "post", fire, api.post(f"/cases/{no}/transitions", json={"trigger": "close"}, as_user="clerk1")
    )
    _check(
        spec, "post", fire, api.post(f"/cases/{no}/transitions", json={"trigger": "claim"}, as_user="clerk1")
    )
    _check(spec, "get", "/api/v1/cases/{case_no}", api.get(f"/cases/{no}", as_user="clerk1"))
    _check(spec, "get", "/api/v1/cases/{case_no}", api.get("/cases/NOPE", as_user="clerk1"))
    _check(spec, "get", "/api/v1/cases", api.get("/cases?state=in_approval", as_user="clerk1"))
    _check(
        spec,
        "get",
        "/api/v1/departments/{code}/approvers",
        api.get("/departments/scjg/approvers", as_user="clerk1"),
    )
    _check(spec, "get", "/api/v1/public/cases/{case_no}", api.get(f"/public/cases/{no}?phone=13800138000"))
    _check(spec, "get", "/api/v1/public/cases/{case_no}", api.get(f"/public/cases/{no}?phone=13800138001"))
    pdf = api.get(f"/cases/{no}/documents/acceptance", as_user="clerk1")
    assert (
        "application/pdf"
        in spec["paths"]["/api/v1/cases/{case_no}/documents/{kind}"]["get"]["responses"]["200"]["content"]
    )
    assert pdf.mimetype == "application/pdf"


def test_two_models_of_one_name_are_refused():
    """Would two answer models with one class name (their schemas would collide) stop the document?"""
    from pydantic import BaseModel

    from queue_server.api.spec import _refuse_two_models_of_one_name

    class Inner(BaseModel):
        a: int

    class Outer(BaseModel):
        inner: list[Inner] | None

    first = Inner

    class Inner(BaseModel):  # noqa: F811 - a second model of the same name, as another domain might write
        b: str

    _refuse_two_models_of_one_name([Outer, Outer, first])
    with pytest.raises(RuntimeError, match="named Inner"):
        _refuse_two_models_of_one_name([Outer, Inner])
