"""Input checks at the edge: characters, JSON depth, dates and ids, before anything reaches the database.

Every request's path values, query string and form fields are refused with 400 ``invalid_request`` when
they hold a control character (a NUL byte among them: PostgreSQL cannot store one); JSON bodies are read
here with their depth bounded and every string checked, keeping tab, line feed and carriage return for
free text (and form fields).
Dates are ``YYYY-MM-DD`` between ``DATE_MIN`` and ``DATE_MAX`` (README, "What the API refuses").

Bodies and query strings are read into pydantic models built on ``Body`` and ``Query`` (each domain's
``schemas`` module holds its own); ``parse_body`` and ``parse_query`` turn pydantic's errors into the
contract's 400 answer with ``details.fields`` naming each bad field in Chinese.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, TypeVar

from flask import Flask, current_app, request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from queue_server.errors import InvalidRequest, NotFound

# The dates the API accepts (and the working-day calendar answers for): one range for every date field.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2099, 12, 31)
# The deepest JSON body accepted: the deepest request the API takes (a case transition's data) is 4 levels.
MAX_JSON_DEPTH = 32
# Row ids are 32-bit integers in the database: a larger one (in a path, a body or a query) names nothing.
MAX_ID = 2**31 - 1

# C0 and C1 control characters and lone surrogates (which cannot be encoded for the database).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same, keeping tab, line feed and carriage return (free text in JSON bodies).
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_MESSAGE = "含有不允许的控制字符"
TOO_DEEP = f"嵌套过深（最多 {MAX_JSON_DEPTH} 层）"
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _field_name(name: str) -> str:
    """Show a field name that may itself hold control characters."""
    return name.encode("unicode_escape").decode("ascii") if _CONTROL.search(name) else name


def check_request_input() -> None:
    """Refuse control characters in path values, the query string and form fields, and ids no row can have."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and _CONTROL.search(value):
            raise InvalidRequest({name: CONTROL_MESSAGE}, f"请求地址{CONTROL_MESSAGE}")
        if isinstance(value, int) and value > MAX_ID:
            raise NotFound("请求的对象不存在", {name: value})
    bad = {
        _field_name(name): CONTROL_MESSAGE
        for name, value in request.args.items(multi=True)
        if _CONTROL.search(name) or _CONTROL.search(value)
    }
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Form fields (the sign-in form, an upload's material) may be free text: tab and line breaks pass.
        fields = ((str(name), str(value)) for name, value in request.form.items(multi=True))
        bad.update(
            {
                _field_name(name): CONTROL_MESSAGE
                for name, value in fields
                if _CONTROL.search(name) or _CONTROL_IN_TEXT.search(value)
            }
        )
    if bad:
        raise InvalidRequest(bad, f"请求参数{CONTROL_MESSAGE}")


def register_input_checks(app: Flask) -> None:
    """Check every request's path values, query string and form fields before its handler runs."""
    app.before_request(check_request_input)


def check_json(data: Any) -> None:
    """Refuse a parsed JSON body nested deeper than MAX_JSON_DEPTH or holding control characters."""
    bad: dict[str, str] = {}
    pending: list[tuple[Any, str, int]] = [(data, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, str):
            if _CONTROL_IN_TEXT.search(value):
                bad.setdefault(path or "body", CONTROL_MESSAGE)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise InvalidRequest({"body": TOO_DEEP}, "请求体 JSON 嵌套过深")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _CONTROL.search(key):
                bad.setdefault(_field_name(name), CONTROL_MESSAGE)
                continue
            pending.append((item, name, depth + 1))
    if bad:
        raise InvalidRequest(bad, f"请求内容{CONTROL_MESSAGE}")


def read_json() -> Any:
    """Parse the JSON body (an empty one is {}), bounded in depth and checked for control characters."""
    raw = request.get_data(cache=True)  # beyond MAX_CONTENT_LENGTH: 413 too_large
    if not raw.strip():
        return {}
    try:
        data = current_app.json.loads(raw)
    except RecursionError:
        raise InvalidRequest({"body": TOO_DEEP}, "请求体 JSON 嵌套过深") from None
    except ValueError:  # malformed JSON, text that is not UTF-8, a number of thousands of digits
        raise InvalidRequest({"body": "不是有效的 JSON"}, "请求体不是有效的 JSON") from None
    check_json(data)
    return data


def _single_line(value: str) -> str:
    """Refuse any control character in a one-line text field."""
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", CONTROL_MESSAGE)
    return value


def _strict_date(value: Any) -> Any:
    """Read a date written exactly YYYY-MM-DD and within the supported range."""
    if isinstance(value, str):
        if not _DATE_RE.fullmatch(value):
            raise PydanticCustomError("date_format", "应为日期（YYYY-MM-DD）")
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date_format", "日期不存在") from None
    elif not isinstance(value, date):
        raise PydanticCustomError("date_format", "应为日期（YYYY-MM-DD）")
    if not DATE_MIN <= value <= DATE_MAX:
        raise PydanticCustomError(
            "date_range",
            "日期应在 {min} 至 {max} 之间",
            {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )
    return value


_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII)


def _strict_datetime(value: Any) -> Any:
    """Read a time written YYYY-MM-DDTHH:MM[:SS][offset]; without an offset it is hall time."""
    if not isinstance(value, str) or not _TIME_RE.fullmatch(value):
        raise PydanticCustomError("date_format", "应为时间（YYYY-MM-DDTHH:MM）")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PydanticCustomError("date_format", "时间不存在") from None


# A moment: YYYY-MM-DDTHH:MM[:SS][offset] in a JSON body; without an offset it is hall time.
JsonTime = Annotated[datetime, BeforeValidator(_strict_datetime), Field(strict=False)]


# A text field of one line (codes, names): no control character at all, not even a tab or line feed.
SingleLine = AfterValidator(_single_line)

# A date: exactly YYYY-MM-DD within DATE_MIN..DATE_MAX, in a query string or a JSON body (never a number).
ApiDate = Annotated[
    date,
    BeforeValidator(_strict_date),
    Field(
        strict=False,
        json_schema_extra={"pattern": r"^\d{4}-\d{2}-\d{2}$"},
        description=f"YYYY-MM-DD，{DATE_MIN.isoformat()} 至 {DATE_MAX.isoformat()}",
    ),
]

# The pydantic error types raised above: their message is already the zh-CN text to show.
CUSTOM_ERRORS = frozenset({"control_character", "date_format", "date_range"})


# --- request bodies and query strings ---

M = TypeVar("M", bound=BaseModel)

PHONE_RE = r"^1[3-9]\d{9}$"

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), SingleLine]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_RE)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), SingleLine]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
# A row id in a body or query (32-bit in the database), and a list's offset.
RowId = Annotated[int, Field(le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=MAX_ID)]


class Body(BaseModel):
    """A JSON body: exact types, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """A query string: values arrive as text and are converted."""

    model_config = ConfigDict(extra="ignore")
    # Filters that name a stored object, field -> "hall" | "department" | "user": an unknown one is 400.
    references: ClassVar[dict[str, str]] = {}


def one_of(first: Any, second: Any, problem: str) -> None:
    """Refuse a body that gives both of two fields or neither (problem: "field|message")."""
    if (first is None) == (second is None):
        raise ValueError(problem)


def check_span(start: date, end: date, what: str = "查询") -> None:
    """Refuse a range of dates that ends before it starts or spans 400 days or more."""
    if end < start:
        raise ValueError("to|结束日期不能早于开始日期")
    if (end - start).days >= 400:
        raise ValueError(f"to|{what}范围最多 400 天")


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in CUSTOM_ERRORS:
        return error["msg"]
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
        return "不能为空" if ctx.get("min_length", 1) <= 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "too_short":
        return "不能为空" if ctx.get("min_length", 1) <= 1 else f"至少 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
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


def parse(model: type[M], data: Any, prefix: str = "") -> M:
    """Validate data against a schema, or answer 400 with the bad fields (named under prefix)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest({prefix + name: message for name, message in _fields(exc).items()}) from None


def parse_body(model: type[M]) -> M:
    """Read the JSON body (an empty body counts as {}) and validate it."""
    data = read_json()
    if not isinstance(data, dict):
        raise InvalidRequest({"body": "应为 JSON 对象"}, "请求体应为 JSON 对象")
    return parse(model, data)


def parse_query(model: type[M]) -> M:
    """Validate the query string, and the stored objects its filters name."""
    query = parse(model, request.args.to_dict())
    unknown = _unknown_references(query) if isinstance(query, Query) else {}
    if unknown:
        raise InvalidRequest(unknown)
    return query


def _lookups() -> dict[str, tuple]:
    """Map each kind of reference to the column it names and the message when nothing has that name."""
    from queue_server.accounts.models import User
    from queue_server.queue.models import Department, Hall

    return {
        "hall": (Hall.code, "没有该服务大厅"),
        "department": (Department.code, "没有该部门"),
        "user": (User.username, "没有该工作人员"),
    }


def referenced(kind: str, value: str | None, field: str | None = None):
    """Return the hall, department or user a body names (None for none), or answer 400 naming the field."""
    from queue_server.extensions import db

    if value is None:
        return None
    column, message = _lookups()[kind]
    row = db.session.scalar(db.select(column.class_).where(column == value))
    if row is None:
        raise InvalidRequest({field or kind: f"{message}：{value}"})
    return row


def _unknown_references(query: Query) -> dict[str, str]:
    """Name each filter whose hall, department or user does not exist."""
    from queue_server.extensions import db

    lookups = _lookups()
    unknown: dict[str, str] = {}
    for field, kind in query.references.items():
        value = getattr(query, field)
        if value is None or (kind == "user" and value == "me"):
            continue
        column, message = lookups[kind]
        if db.session.scalar(db.select(column).where(column == value).limit(1)) is None:
            unknown[field] = f"{message}：{value}"
    return unknown


def mask_phone(phone: str | None) -> str | None:
    """Mask a phone number as 138****5678."""
    if not phone:
        return None
    return re.sub(r"^(\d{3})\d+(\d{4})$", r"\1****\2", phone)
