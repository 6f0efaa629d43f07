"""Request schemas: every body and query string is validated here, at the boundary.

``parse_body`` and ``parse_query`` turn pydantic's errors into the contract's 400 answer with
``details.fields`` naming each bad field in Chinese.
"""

import re
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from .errors import InvalidRequest

M = TypeVar("M", bound=BaseModel)

PHONE_RE = r"^1[3-9]\d{9}$"

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_RE)]


class Body(BaseModel):
    """A JSON body: exact types, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """A query string: values arrive as text and are converted."""

    model_config = ConfigDict(extra="ignore")


class TokenRequest(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TicketRequest(Body):
    queue: Code
    priority: Literal["normal", "priority"] = "normal"
    priority_reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    service: Code | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _reason_goes_with_priority(self) -> "TicketRequest":
        if self.priority == "priority" and not self.priority_reason:
            raise ValueError("priority_reason|优先取号须注明原因（如老年人、残疾人、军人、孕妇、预约）")
        if self.priority == "normal" and self.priority_reason:
            raise ValueError("priority_reason|普通号不需要优先原因")
        return self


class TransferRequest(Body):
    queue: Code


class WindowStatusRequest(Body):
    status: Literal["open", "paused", "closed"]


class DeadlineQuery(Query):
    start: date
    workdays: Annotated[int, Field(ge=0, le=3650)]


class CalendarQuery(Query):
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _span(self) -> "CalendarQuery":
        if self.to < self.from_:
            raise ValueError("to|结束日期不能早于开始日期")
        if (self.to - self.from_).days >= 400:
            raise ValueError("to|查询范围最多 400 天")
        return self


class ServiceQuery(Query):
    mode: Literal["immediate", "online", "once", "agent", "citywide"] | None = None
    department: Code | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind == "extra_forbidden":
        return "不支持的字段"
    if kind in ("string_type", "str_type"):
        return "应为字符串"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "应为整数"
    if kind in ("bool_type", "bool_parsing"):
        return "应为 true 或 false"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return "应为日期（YYYY-MM-DD）"
    if kind == "literal_error":
        return f"取值应为：{ctx.get('expected', '')}".replace("'", "")
    if kind == "string_too_short":
        return "不能为空"
    if kind == "string_too_long":
        return f"最长 {ctx.get('max_length')} 个字符"
    if kind == "string_pattern_mismatch":
        return "格式不正确" + ("（应为 11 位手机号）" if ctx.get("pattern") == PHONE_RE else "")
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "应为 JSON 对象"
    return "取值无效"


def _fields(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        if error["type"] == "value_error":
            # Cross-field checks raise "field|message".
            text = str(error.get("ctx", {}).get("error", error["msg"]))
            name, _, message = text.partition("|")
            fields[name] = message
            continue
        loc = [str(part) for part in error["loc"] if part != "__root__"]
        name = ".".join(loc).rstrip("_") or "body"
        fields.setdefault(name, _message(error))
    return fields


def parse(model: type[M], data: Any) -> M:
    """Validate data against a schema, or answer 400 with the bad fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(_fields(exc)) from None


def parse_body(model: type[M]) -> M:
    """Read the JSON body (an empty body counts as {}) and validate it."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        data: Any = {}
    else:
        data = request.get_json(force=True, silent=True)
        if data is None:
            raise InvalidRequest({"body": "不是有效的 JSON"}, "请求体不是有效的 JSON")
    if not isinstance(data, dict):
        raise InvalidRequest({"body": "应为 JSON 对象"}, "请求体应为 JSON 对象")
    return parse(model, data)


def parse_query(model: type[M]) -> M:
    """Validate the query string."""
    return parse(model, request.args.to_dict())


def mask_phone(phone: str | None) -> str | None:
    """Mask a phone number as 138****5678."""
    if not phone:
        return None
    return re.sub(r"^(\d{3})\d+(\d{4})$", r"\1****\2", phone)
