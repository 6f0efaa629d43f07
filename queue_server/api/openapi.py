"""The OpenAPI 3.1 description of this API, built from the same schemas the handlers use.

Request bodies and query strings come from ``queue_server.schemas``; answers are described by the
models below. ``tests/api/test_openapi.py`` checks that every route is described and that the
answers the tests receive match these schemas.
"""

from typing import Literal

from flask import current_app
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from .. import schemas
from . import bp

Mode = Literal["immediate", "online", "once", "agent", "citywide"]
TicketState = Literal["waiting", "called", "serving", "done", "no_show", "cancelled", "expired"]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict


class Error(BaseModel):
    error: ErrorDetail


class UserOut(BaseModel):
    username: str
    name: str
    roles: list[str]
    hall: str | None
    department: str | None


class TokenOut(BaseModel):
    token: str
    user: UserOut


class HallOut(BaseModel):
    code: str
    name: str
    address: str


class QueueOut(BaseModel):
    code: str
    name: str
    prefix: str
    waiting: int
    est_wait_s: int


class WindowOut(BaseModel):
    id: int
    number: int
    name: str
    queues: list[str]
    status: Literal["open", "paused", "closed"]
    clerk: str | None


class TicketOut(BaseModel):
    id: int
    hall: str
    number: str
    queue: str
    queue_name: str
    priority: Literal["normal", "priority"]
    priority_reason: str | None
    state: TicketState
    window_number: int | None
    issued_at: str
    called_at: str | None
    recalls: int
    waiting_ahead: int | None
    est_wait_s: int | None


class TicketHistoryEntry(BaseModel):
    trigger: str
    from_: str | None = Field(alias="from")
    to: str
    actor: str | None
    at: str


class CallOut(BaseModel):
    call_id: int
    number: str
    queue: str
    window_number: int
    window_name: str
    called_at: str
    recalls: int
    announce: str


class BoardQueue(BaseModel):
    code: str
    name: str
    waiting: int


class BoardOut(BaseModel):
    hall: str
    hall_name: str
    seq: int
    calls: list[CallOut]
    queues: list[BoardQueue]


class DeskQueue(BaseModel):
    code: str
    name: str
    waiting: int


class QueueName(BaseModel):
    code: str
    name: str


class ClerkToday(BaseModel):
    served: int
    no_show: int
    avg_wait_s: int | None
    avg_service_s: int | None


class DeskOut(BaseModel):
    window: WindowOut
    current: TicketOut | None
    queues: list[DeskQueue]
    transfer_queues: list[QueueName]
    today: ClerkToday


class DeadlineOut(BaseModel):
    start: str
    workdays: int
    deadline: str
    confirmed: bool


class DayOut(BaseModel):
    date: str
    working: bool
    name: str | None
    confirmed: bool


class Material(BaseModel):
    name: str
    form: Literal["original", "copy", "original_and_copy"]
    count: int
    required: bool
    deferrable: bool
    note: str | None = None


class ServiceOut(BaseModel):
    code: str
    name: str
    department: str
    department_name: str
    queue: str
    modes: list[Mode]
    mode_names: list[str]
    legal_days: int
    promised_days: int
    materials: list[Material]


class ServiceDetailOut(ServiceOut):
    guide: dict


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "down"]
    redis: Literal["ok", "off", "down"]


def _list(model: type[BaseModel]) -> tuple[str, type[BaseModel]]:
    return ("list", model)


# (method, path, summary, who, body or query model, {status: answer model | list | None})
OPERATIONS = [
    ("post", "/auth/token", "工作人员登录，取得令牌 Staff sign-in", "public", schemas.TokenRequest, {200: TokenOut, 400: Error, 401: Error, 429: Error}),
    ("get", "/halls", "服务大厅列表 Halls", "public", None, {200: _list(HallOut)}),
    ("get", "/halls/{hall_code}/queues", "队列及等候人数 Queues with waiting counts", "public", None, {200: _list(QueueOut), 404: Error}),
    ("get", "/halls/{hall_code}/windows", "窗口列表 Windows", "staff", None, {200: _list(WindowOut), 401: Error, 403: Error, 404: Error}),
    ("get", "/halls/{hall_code}/board", "叫号屏快照 Board snapshot", "public", None, {200: BoardOut, 404: Error}),
    ("post", "/halls/{hall_code}/tickets", "取号 Take a ticket", "public", schemas.TicketRequest, {201: TicketOut, 400: Error, 404: Error, 429: Error}),
    ("get", "/tickets/{ticket_id}", "号票状态 Ticket", "public", None, {200: TicketOut, 404: Error}),
    ("get", "/tickets/{ticket_id}/history", "号票流转记录 Ticket history", "staff", None, {200: _list(TicketHistoryEntry), 401: Error, 404: Error}),
    ("post", "/tickets/{ticket_id}/{trigger}", "号票操作（recall/start/finish/no_show/requeue/transfer/cancel） Ticket trigger", "staff", schemas.TransferRequest, {200: TicketOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error}),
    ("post", "/windows/{window_id}/call-next", "叫下一号 Call next", "staff", None, {200: TicketOut, 204: None, 401: Error, 403: Error, 404: Error, 409: Error}),
    ("post", "/windows/{window_id}/status", "开窗、暂停、关窗 Open, pause or close a window", "staff", schemas.WindowStatusRequest, {200: WindowOut, 400: Error, 401: Error, 403: Error, 404: Error}),
    ("get", "/windows/{window_id}/desk", "窗口工作台：当前号票、队列、本人今日数据 The clerk's desk", "staff", None, {200: DeskOut, 401: Error, 403: Error, 404: Error}),
    ("get", "/calendar/deadline", "第 n 个工作日 The n-th working day after a date", "public", schemas.DeadlineQuery, {200: DeadlineOut, 400: Error}),
    ("get", "/calendar", "工作日历 Working days in a range", "public", schemas.CalendarQuery, {200: _list(DayOut), 400: Error}),
    ("get", "/services", "事项清单 Item list", "public", schemas.ServiceQuery, {200: _list(ServiceOut), 400: Error}),
    ("get", "/services/{code}", "事项及办事指南 Item with its guide", "public", None, {200: ServiceDetailOut, 404: Error}),
    ("get", "/openapi.json", "本接口说明 This document", "public", None, {200: None}),
]

ANSWER_MODELS = [Error, TokenOut, HallOut, QueueOut, WindowOut, TicketOut, TicketHistoryEntry, BoardOut, DeskOut,
                 DeadlineOut, DayOut, ServiceOut, ServiceDetailOut, HealthOut]
REF = "#/components/schemas/{model}"


def _components() -> dict:
    bodies = [op[4] for op in OPERATIONS if op[4] is not None and op[0] == "post"]
    models = [(m, "validation") for m in bodies] + [(m, "serialization") for m in ANSWER_MODELS]
    _, top = models_json_schema(models, ref_template=REF)
    return top.get("$defs", {})


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _path_parameters(path: str) -> list[dict]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer"} if name.endswith("_id") else {"type": "string"}}
        for name in names
    ]


def _answer(status: int, model) -> dict:
    if model is None:
        return {"description": "无内容 No content" if status == 204 else "OK"}
    if isinstance(model, tuple):
        schema = {"type": "array", "items": {"$ref": REF.format(model=model[1].__name__)}}
    else:
        schema = {"$ref": REF.format(model=model.__name__)}
    return {"description": str(status), "content": {"application/json": {"schema": schema}}}


def build_spec() -> dict:
    """Describe every operation of the API."""
    paths: dict[str, dict] = {}
    for method, path, summary, who, inputs, answers in OPERATIONS:
        operation: dict = {"summary": summary, "parameters": _path_parameters(path),
                           "responses": {str(status): _answer(status, model) for status, model in answers.items()}}
        if who == "staff":
            operation["security"] = [{"bearer": []}]
        if inputs is not None and method == "get":
            operation["parameters"] += _query_parameters(inputs)
        elif inputs is not None:
            operation["requestBody"] = {
                "required": path != "/tickets/{ticket_id}/{trigger}",
                "content": {"application/json": {"schema": {"$ref": REF.format(model=inputs.__name__)}}},
            }
        paths.setdefault("/api/v1" + path, {})[method] = operation
    paths["/healthz"] = {"get": {"summary": "健康检查 Health", "parameters": [],
                                 "responses": {"200": _answer(200, HealthOut), "503": _answer(503, HealthOut)}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "wuban 五办政务服务大厅 API", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": _components(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi_spec():
    spec = current_app.extensions.get("wuban_openapi")
    if spec is None:
        spec = current_app.extensions["wuban_openapi"] = build_spec()
    return spec
