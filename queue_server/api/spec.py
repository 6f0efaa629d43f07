"""Declare each API operation beside its route; the OpenAPI document is collected from the declarations.

A route says what it takes and answers with ``@operation`` right under its ``@bp.get``/``@bp.post``::

    @bp.post("/halls/<hall_code>/tickets")
    @operation(body=TicketRequest, limit="RATELIMIT_TICKETS", answers={201: TicketOut})
    def take_ticket(hall_code: str):
        "取号 Take a ticket"
        return reply(TicketOut, issue_ticket(get_hall(hall_code), parse_body(TicketRequest)), 201)

The handler's docstring is the operation's summary in the document (a handler whose docstring says
something else names the summary as ``@operation``'s first argument). ``staff=True`` asks for a staff
user's bearer token (401 otherwise, see ``staff_required``) and ``limit`` names the setting(s) that
limit the route's rate per client. The answers every route may
give are in the document without being declared: 400 (malformed input), 401 (staff routes), 409 (a
POST's ``Idempotency-Key`` reused), 429 (a limited route) and 503.

``operation`` is also the one place a request's transaction is committed: after the handler returns
(an error raised before that commits nothing), and before the answer is built from the rows, so a
reply never holds a lock while it is rendered. A handler returns ``reply(Model, row_or_rows, status)``
(``Model.model_validate(row)`` once committed), a ready pydantic model, ``("", 204)`` or a Response;
``answer_json`` writes models as JSON. ``build_spec`` walks the application's URL map, so a route
without a declaration is missing from the document and the test that compares the two fails.
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from flask.json.provider import DefaultJSONProvider
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from queue_server.accounts.auth import staff_required
from queue_server.api.answers import Error, HealthOut
from queue_server.extensions import db, limiter

REF = "#/components/schemas/{model}"
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Operation:
    """What one route takes and answers, for the OpenAPI document."""

    summary: str
    staff: bool = False
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    answers: dict[int, Any] = field(default_factory=dict)
    body_required: bool = True
    headers: tuple[dict, ...] = ()
    limits: tuple[str, ...] = ()


def operation(
    summary: str | None = None,
    *,
    staff: bool = False,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    answers: dict[int, Any] | None = None,
    body_required: bool = True,
    headers: tuple[dict, ...] = (),
    limit: str | tuple[str, ...] = (),
):
    """Declare a route's operation (put it right under the route decorator).

    ``answers`` maps a status to a pydantic model, ``list[Model]``, ``None`` (no body), ``"pdf"`` or
    a full OpenAPI answer object.
    """
    limits = (limit,) if isinstance(limit, str) else limit

    def wrap(view):
        if not (summary or view.__doc__):
            raise TypeError(f"{view.__name__}: an operation needs a summary (its docstring)")
        declared = Operation(
            summary or view.__doc__, staff, body, query, dict(answers or {}), body_required, headers, limits
        )
        for setting in reversed(limits):  # the first named is the outermost, as stacked decorators
            view = limiter.limit(functools.partial(_configured, setting))(view)
        if staff:
            view = staff_required()(view)

        @functools.wraps(view)
        def run(*args, **kwargs):
            rv = view(*args, **kwargs)
            db.session.commit()  # the request's one commit (an idempotent POST holds it to the end)
            return rv.render() if isinstance(rv, Reply) else rv

        run.api_operation = declared
        return run

    return wrap


def _configured(setting: str) -> str:
    return current_app.config[setting]


def _wrong_guess(response) -> bool:
    return response.status_code == 404


def wrong_guesses(setting: str, key: Callable[[], str], scope: str | None = None):
    """Limit a client's wrong guesses (answered 404) at a lookup by something secret, counted per ``key()``.

    ``setting`` names the limit; routes that name one ``scope`` count against one shared limit.
    """
    limit = functools.partial(_configured, setting)
    if scope is not None:
        return limiter.shared_limit(limit, scope=scope, key_func=key, deduct_when=_wrong_guess)
    return limiter.limit(limit, key_func=key, deduct_when=_wrong_guess)


@dataclass(frozen=True)
class Reply:
    """An answer to build from rows once the request is committed."""

    model: Any
    rows: Any
    status: int = 200
    context: dict | None = None

    def render(self):
        if getattr(self.model, "__origin__", None) is list:
            item = self.model.__args__[0]
            body = [item.model_validate(row, context=self.context) for row in self.rows]
        else:
            body = self.model.model_validate(self.rows, context=self.context)
        return body, self.status


def reply(model, rows, status: int = 200, *, context: dict | None = None) -> Reply:
    """Answer ``model`` (or ``list[model]``) built from ``rows`` after the commit, with ``status``.

    ``context`` reaches the model's validators (e.g. the viewer, for fields only some roles see).
    """
    return Reply(model, rows, status, context)


class AnswerJSONProvider(DefaultJSONProvider):
    """Flask's JSON, which also writes pydantic answer models (and lists of them)."""

    ensure_ascii = False  # Chinese text stays readable in answers
    sort_keys = False

    @staticmethod
    def default(o):
        if isinstance(o, BaseModel):
            return o.model_dump(mode="json")
        return DefaultJSONProvider.default(o)


def answer_json(rv):
    """Turn a handler's pydantic answer (or list of them) into what Flask writes as JSON."""
    body, rest = (rv[0], rv[1:]) if isinstance(rv, tuple) else (rv, ())
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    elif isinstance(body, list) and body and isinstance(body[0], BaseModel):
        body = [item.model_dump(mode="json") for item in body]
    return (body, *rest) if rest else body


# --- the document ---

UNAVAILABLE = {
    "description": (
        "unavailable：数据库暂时不能应答（锁等待超时、连接中断、连接池已满），请按 Retry-After 秒后重试"
    ),
    "headers": {"Retry-After": {"description": "建议重试前等待的秒数", "schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    "description": (
        "幂等键（建议 UUID）：同一客户端 24 小时内以同一键重发，得到首次的答复"
        "（状态码与内容，带 Idempotent-Replayed: true），不再改动任何数据；"
        "首次仍在处理时答 409 conflict（带 Retry-After），同一键用于另一请求也答 409 conflict；"
        "只记住成功（< 400）的答复。See docs/idempotency.md."
    ),
}

_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _models_of(model) -> list[type[BaseModel]]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [model]
    args = getattr(model, "__args__", ())
    return [m for m in args if isinstance(m, type) and issubclass(m, BaseModel)]


def _answer(status: int, model) -> dict:
    if isinstance(model, dict):
        return model  # described in full (several media types)
    if model == "pdf":
        return {
            "description": "PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    if model is None:
        return {"description": "无内容 No content" if status == 204 else "OK"}
    if getattr(model, "__origin__", None) is list:
        schema = {"type": "array", "items": {"$ref": REF.format(model=model.__args__[0].__name__)}}
    else:
        schema = {"$ref": REF.format(model=model.__name__)}
    return {"description": str(status), "content": {"application/json": {"schema": schema}}}


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def api_operations(app: Flask) -> list[tuple[str, str, Operation | None]]:
    """List (method, OpenAPI path, declared operation) for every route under /api/v1."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX):
            continue
        declared = getattr(app.view_functions[rule.endpoint], "api_operation", None)
        path = _PARAMETER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method.lower(), path, declared))
    return found


def _describe(method: str, path: str, op: Operation, rule_path: str) -> dict:
    integers = {m.group(2) for m in _PARAMETER.finditer(rule_path) if m.group(1) == "int"}
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer"} if name in integers else {"type": "string"},
        }
        for name in re.findall(r"{(\w+)}", path)
    ]
    described: dict = {
        "summary": op.summary,
        "parameters": parameters,
        "responses": {str(status): _answer(status, model) for status, model in op.answers.items()},
    }
    if op.staff:
        described["security"] = [{"bearer": []}]
        described["responses"].setdefault("401", _answer(401, Error))
    if op.limits:
        described["responses"].setdefault("429", _answer(429, Error))
    if method == "post":  # queue_server/idempotency.py
        parameters.append(IDEMPOTENCY_KEY)
        described["responses"].setdefault("409", _answer(409, Error))
    if op.query is not None:
        parameters += _query_parameters(op.query)
    if op.body is not None:
        media = getattr(op.body, "content_type", "application/json")  # uploads are multipart/form-data
        described["requestBody"] = {
            "required": op.body_required,
            "content": {media: {"schema": {"$ref": REF.format(model=op.body.__name__)}}},
        }
    parameters += list(op.headers)
    # Any request may carry a malformed query string or path value (queue_server/validation.py): 400.
    described["responses"].setdefault("400", _answer(400, Error))
    # Any request may meet a database that cannot answer in time (queue_server/db.py): 503, retry later.
    described["responses"].setdefault("503", UNAVAILABLE)
    return described


def _refuse_two_models_of_one_name(models: list[type[BaseModel]]) -> None:
    """Fail when two different models share a class name: their schemas would collide in the document."""
    by_name: dict[str, type[BaseModel]] = {}
    for model in models:
        for part in _nested_models(model):
            other = by_name.setdefault(part.__name__, part)
            if other is not part:
                raise RuntimeError(
                    f"two answer or body models are named {part.__name__}: "
                    f"{other.__module__} and {part.__module__}; rename one"
                )


def _nested_models(model: type[BaseModel], seen: set | None = None) -> list[type[BaseModel]]:
    seen = set() if seen is None else seen
    if model in seen:
        return []
    seen.add(model)
    found = [model]
    for info in model.model_fields.values():
        for inner in _models_in(info.annotation):
            found += _nested_models(inner, seen)
    return found


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def build_spec(app: Flask) -> dict:
    """Describe every declared operation of the application's API."""
    paths: dict[str, dict] = {}
    bodies, answers = [], [Error, HealthOut]
    rule_paths = {
        _PARAMETER.sub(lambda m: "{" + m.group(2) + "}", r.rule): r.rule for r in app.url_map.iter_rules()
    }
    for method, path, op in api_operations(app):
        if op is None:
            continue
        paths.setdefault(path, {})[method] = _describe(method, path, op, rule_paths[path])
        if op.body is not None:
            bodies.append(op.body)
        for model in op.answers.values():
            answers += _models_of(model)
    paths["/healthz"] = {
        "get": {
            "summary": "健康检查 Health",
            "parameters": [],
            "responses": {
                "200": _answer(200, HealthOut),
                "400": _answer(400, Error),
                "503": _answer(503, HealthOut),
            },
        }
    }
    _refuse_two_models_of_one_name([*bodies, *answers])
    models = [(m, "validation") for m in dict.fromkeys(bodies)] + [
        (m, "serialization") for m in dict.fromkeys(answers)
    ]
    _, top = models_json_schema(models, ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {"title": "wuban 五办政务服务大厅 API", "version": "1.0.0"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
