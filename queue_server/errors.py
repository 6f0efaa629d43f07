"""API errors and the handlers that render them in the contract's error body.

Every non-2xx answer is ``{"error": {"code", "message", "details"}}`` with a zh-CN message, and the
session is rolled back first, so a request answered with an error changes nothing.
"""

import logging
import traceback

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException

from queue_server.db import DatabaseBusy
from queue_server.extensions import db

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error a client can cause, answered with its status and code."""

    status = 400
    code = "invalid_request"

    def __init_subclass__(cls, status: int | None = None, code: str | None = None, **kwargs) -> None:
        """Give a kind of error its status and code: ``class NotFound(ApiError, status=404, code=...)``."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status, cls.code = status, code

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidRequest(ApiError, status=400, code="invalid_request"):
    def __init__(self, fields: dict[str, str], message: str = "请求参数有误") -> None:
        super().__init__(message, {"fields": fields})


class Unauthorized(ApiError, status=401, code="unauthorized"): ...


class Forbidden(ApiError, status=403, code="forbidden"): ...


class NotFound(ApiError, status=404, code="not_found"): ...


class Conflict(ApiError, status=409, code="conflict"): ...


class TooLarge(ApiError, status=413, code="too_large"): ...


class Unavailable(ApiError, status=503, code="unavailable"):
    """The database or another needed service cannot answer in time; the client may retry."""

    retry_after_s = 2


class InvalidTransition(ApiError, status=409, code="invalid_transition"):
    def __init__(self, state: str, trigger: str, allowed: list[str], message: str | None = None) -> None:
        super().__init__(
            message or f"当前状态（{state}）不能执行“{trigger}”操作",
            {"state": state, "trigger": trigger, "allowed": allowed},
        )


# Messages for errors raised by Flask and its extensions rather than by our code.
HTTP_ERRORS = {
    400: ("invalid_request", "请求格式有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "请求的地址不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("too_large", "请求内容过大"),
    415: ("invalid_request", "请求内容应为 JSON"),
    429: ("rate_limited", "操作过于频繁，请稍后再试"),
}


def _wants_page() -> bool:
    """Tell whether a person's browser asked for a page (screens), not a client for JSON (the API)."""
    if request.path.startswith(("/api/", "/healthz", "/socket.io")):
        return False
    return request.accept_mimetypes.accept_html


def error_response(status: int, code: str, message: str, details: dict | None = None):
    """Build the contract's error body with its status (an error page for a screen's browser)."""
    if _wants_page():
        return render_template("error.html", status=status, message=message), status
    return jsonify({"error": {"code": code, "message": message, "details": details or {}}}), status


def _is_database_trouble(error: BaseException | None) -> bool:
    """Tell whether an exception says the database cannot answer now (not that a query is wrong)."""
    if isinstance(error, (DatabaseBusy, OperationalError, InterfaceError, SQLAlchemyTimeoutError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def database_unavailable(error: BaseException):
    """Answer 503 unavailable for database trouble, logged in one line, after dropping the transaction."""
    cause = getattr(error, "orig", None) or error
    log.warning(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.path,
        type(cause).__name__,
        str(cause).strip().splitlines()[0] if str(cause).strip() else "",
    )
    try:
        db.session.rollback()
    except DBAPIError:
        db.session.close()  # a connection that cannot even roll back is dropped with the session
    response, status = error_response(503, Unavailable.code, "数据库繁忙或暂时不可用，请稍后重试")
    if not isinstance(response, str):
        response.headers["Retry-After"] = str(Unavailable.retry_after_s)
        return response, status
    return response, status, {"Retry-After": str(Unavailable.retry_after_s)}


def one_line(error: BaseException) -> str:
    """Describe a request's unexpected error in one log line: the request, the error, where it was raised."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if "/site-packages/" not in frame.filename] or frames
    where = f" at {ours[-1].filename}:{ours[-1].lineno} in {ours[-1].name}" if ours else ""
    text = " ".join(str(error).split())[:300]
    return f"unhandled error on {request.method} {request.path}: {type(error).__name__}: {text}{where}"


def register_error_handlers(app: Flask) -> None:
    """Render every error as the contract's JSON body."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(DatabaseBusy)
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(SQLAlchemyTimeoutError)
    def _database_unavailable(error: Exception):
        return database_unavailable(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if _is_database_trouble(getattr(error, "original_exception", None)):
            return database_unavailable(error.original_exception)  # raised after the handler, at commit
        db.session.rollback()
        code, message = HTTP_ERRORS.get(error.code, ("http_error", error.description or "请求失败"))
        response, status = error_response(error.code or 500, code, message)
        if error.code == 405 and error.valid_methods and not isinstance(response, str):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if _is_database_trouble(error):
            return database_unavailable(error)
        db.session.rollback()
        if app.testing:
            raise error  # a test should see the traceback, not a 500 body
        log.error("%s", one_line(error))
        log.debug("unhandled error", exc_info=error)  # the whole traceback, for a debug log
        return error_response(500, "internal_error", "服务器内部错误，请稍后再试")
