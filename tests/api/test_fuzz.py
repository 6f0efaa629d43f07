"""Schema fuzzing of the served OpenAPI spec with schemathesis: no server error, every answer as described.

Every operation of ``/api/v1/openapi.json`` gets generated requests, in-process (WSGI) against a fresh
database of each backend, as the demo admin (bearer token): valid data, invalid data, valid data aimed
at objects that exist (the demo hall, a ticket, a case, an online application, a rectification), and a
valid request with a NUL byte put into each string path value, query parameter and JSON string, and a
number beyond 64 bits into each integer one, in turn.
Checks: no 5xx (and no exception), every error body in the contract's shape, status codes, media types
and answer bodies as the spec declares them. Deterministic (derandomized Hypothesis, no example
database) and bounded by MAX_EXAMPLES per operation and pass. Run with ``-s`` to see the figures;
FUZZ_EXAMPLES=40 digs deeper, FUZZ_SEED=N tries other requests.
"""

import json
import os
import traceback
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from queue_server.calendar import clock
from queue_server.config import database_url as sqlalchemy_url
from queue_server.extensions import db
from tests.conftest import (
    HALL_MORNING,
    POSTGRES_URL,
    Api,
    _make_app,
    applicant,
)
from tests.live import empty_postgres

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 6))
# Unset: the same requests every run (derandomized). A number explores other requests, repeatably.
SEED = os.environ.get("FUZZ_SEED")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations that end the admin's session or touch its password run last, so the others keep the token.
LAST = ("/api/v1/auth/password", "/api/v1/auth/logout")


@pytest.fixture(params=["sqlite", "postgresql"])
def fuzz_app(request, tmp_path):
    """The app on a database of its own (what fuzzing creates stays there), at the frozen Monday 09:00."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = "sqlite:///" + str(tmp_path / "fuzz.sqlite3")
        else:
            _admin, _name, url = stack.enter_context(empty_postgres("fuzz", POSTGRES_URL))
        app = _make_app(sqlalchemy_url(url), {"UPLOAD_DIR": str(tmp_path / "uploads")})
        clock.freeze(HALL_MORNING)
        yield app
        clock.freeze(None)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _seed(api: Api) -> dict:
    """Create one object of each kind the paths name; return the path values that reach them."""
    ticket = api.take("shsd")
    window = api.open_window(1)
    served = api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()
    for trigger in ("start", "finish"):
        assert api.post(f"/tickets/{served['id']}/{trigger}", as_user="clerk1").status_code == 200
    assert served["id"] == ticket["id"]
    body = {"ticket_id": served["id"], "token": ticket["rating_token"], "grade": 1, "comment": "等太久"}
    rating = api.post("/ratings", json=body)
    rating = rating.get_json()
    case = api.open_case()
    application = api.post(
        "/public/applications",
        json={"service": "SCJG-006", "hall": "xiqu", "applicant": applicant("李四")},
    ).get_json()
    return {
        "hall_code": "xiqu",
        "queue_code": "shsd",
        "window_id": window,
        "ticket_id": ticket["id"],
        "case_no": case["case_no"],
        "rectification_id": rating["rectification"]["id"],
        "material_id": 1,
        "kind": "acceptance",
        "application": application["case_no"],
        "application_token": application["token"],
    }


def _known_values(operation, known: dict) -> tuple[dict, dict]:
    """Path values and headers naming the seeded objects, for the parameters this operation has."""
    path = operation.path
    names = (
        "hall_code",
        "queue_code",
        "window_id",
        "ticket_id",
        "case_no",
        "rectification_id",
        "material_id",
        "kind",
    )
    values = {name: known[name] for name in names if "{" + name + "}" in path}
    headers = {}
    if path.startswith("/api/v1/public/applications/{case_no}"):
        values["case_no"] = known["application"]
        headers["X-Application-Token"] = known["application_token"]
    if path.startswith("/api/v1/services/{code}"):
        values["code"] = "SCJG-001"
    elif path.startswith("/api/v1/departments/{code}"):
        values["code"] = "scjg"
    return values, headers


def _can_be_wrong(operation) -> bool:
    """Tell whether an invalid request can be made: a body, a query or a typed path value to get wrong."""
    definition = operation.definition.raw
    if "requestBody" in definition:
        return True
    parameters = definition.get("parameters", [])
    return any(p["in"] != "path" or p.get("schema", {}).get("type") != "string" for p in parameters)


# Beyond any 64-bit database column.
HUGE = 2**64


def _edge_values_in_body(body, limit: int = 16) -> list:
    """Copies of a JSON body, each with a NUL byte in one string or a HUGE number (`limit` copies at most)."""
    copies: list = []

    def walk(value, replace):
        if len(copies) >= limit:
            return
        if isinstance(value, str):
            copies.append(replace(value + "\x00"))
        elif isinstance(value, int) and not isinstance(value, bool):
            copies.append(replace(HUGE))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, lambda new, key=key: replace({**value, key: new}))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, lambda new, index=index: replace(value[:index] + [new] + value[index + 1 :]))

    walk(body, lambda new: new)
    return copies


def _error_shape_problem(response) -> str | None:
    """Say how an error answer differs from the contract's body, or None when it has its shape."""
    if response.status_code < 400:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return "not JSON"
    error = body.get("error") if isinstance(body, dict) else None
    if set(body) != {"error"} or not isinstance(error, dict) or set(error) != {"code", "message", "details"}:
        return "not {error: {code, message, details}}"
    if not (isinstance(error["code"], str) and error["message"] and isinstance(error["details"], dict)):
        return "empty message or wrong types"
    return None


class FuzzRun:
    """Send generated requests and gather the failures by operation and kind."""

    def __init__(self, token: str):
        self.auth = {"Authorization": f"Bearer {token}"}
        self.figures: Counter = Counter()
        self.failures: dict[str, set[str]] = {}

    def fail(self, operation, what: str) -> None:
        self.failures.setdefault(operation.label, set()).add(what)

    def send(self, operation, case, headers: dict | None = None) -> None:
        """Send one request and check its answer."""
        sent = {**(headers or {}), **self.auth}
        self.figures["requests"] += 1
        try:
            response = case.call(headers=sent)
        except Exception as exc:  # TESTING re-raises what would be a 500
            self.figures["5xx"] += 1
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [frame for frame in frames if "site-packages" not in frame.filename]
            where = f" at {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
            self.fail(operation, f"exception {type(exc).__name__}{where}: {str(exc).splitlines()[0][:120]}")
            return
        self.figures[f"{response.status_code // 100}xx"] += 1
        problem = _error_shape_problem(response)
        if problem:
            self.fail(operation, f"error body {response.status_code}: {problem}")
        try:
            case.validate_response(response, checks=CHECKS, headers=sent)
        except BaseException as group:  # a FailureGroup of the failed checks
            for failure in getattr(group, "exceptions", [group]):
                title = getattr(failure, "title", type(failure).__name__)
                first_line = str(failure).splitlines()[0][:160]
                self.fail(operation, f"{title} ({response.status_code}): {first_line}")

    def generate(
        self,
        operation,
        mode: GenerationMode,
        path_parameters: dict | None = None,
        examples: int = MAX_EXAMPLES,
    ):
        """Yield up to `examples` generated cases of the operation (none when none can be made)."""
        cases = []

        @settings(
            max_examples=examples,
            derandomize=SEED is None,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
        def collect(case):
            cases.append(case)

        if SEED is not None:
            collect = seed(int(SEED))(collect)
        try:
            collect()
        except Unsatisfiable:
            self.figures["unsatisfiable"] += 1
        return cases

    def fuzz(
        self,
        operation,
        mode: GenerationMode,
        path_parameters: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        """Send generated requests of one mode."""
        for case in self.generate(operation, mode, path_parameters):
            self.send(operation, case, headers)

    def probe_edge_values(self, operation, path_parameters: dict, headers: dict) -> None:
        """Put a NUL byte into each string path value, query parameter and JSON string, a HUGE number into
        each integer one, in turn."""
        for base in self.generate(operation, GenerationMode.POSITIVE, path_parameters, examples=1):
            variants = []
            for parameter in operation.definition.raw.get("parameters", []):
                name, where = parameter["name"], parameter["in"]
                edge = str(HUGE) if parameter.get("schema", {}).get("type") == "integer" else "x\x00"
                if where == "path":
                    variants.append(("path_parameters", {**base.path_parameters, name: edge}))
                elif where == "query":
                    variants.append(("query", {**(base.query or {}), name: edge}))
            for body in _edge_values_in_body(base.body):
                variants.append(("body", body))
            for attribute, value in variants:
                case = base.derive()
                setattr(case, attribute, value)
                self.figures["edge_probes"] += 1
                self.send(operation, case, headers)

    def report(self) -> str:
        found = sorted(self.failures.items())
        return "\n".join(f"{label}: {what}" for label, whats in found for what in sorted(whats))


def test_fuzzing_the_served_spec_finds_no_server_error(fuzz_app):
    """Do generated requests to every operation get no 5xx and answers that match the served spec?"""
    api = Api(fuzz_app.test_client())
    known = _seed(api)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: (operation.path in LAST, operation.path, operation.method),
    )
    run = FuzzRun(api.token("admin"))
    for operation in operations:
        run.figures["operations"] += 1
        run.fuzz(operation, GenerationMode.POSITIVE)
        if _can_be_wrong(operation):
            run.fuzz(operation, GenerationMode.NEGATIVE)
        values, headers = _known_values(operation, known)
        if values or headers:
            run.fuzz(operation, GenerationMode.POSITIVE, values, headers)
        run.probe_edge_values(operation, values, headers)
    print(f"\nfuzzing: {dict(run.figures)}; failures: {sum(map(len, run.failures.values()))}")
    assert not run.failures, "\n" + run.report()
