"""Staff authentication: bearer tokens for the API, Flask-Login sessions for web screens.

The JSON API takes bearer tokens only, so a browser's session cookie can never be used to change
anything from another site; a signed-in screen gets a token with its page. A token is signed with
the server's secret key (never a public one: ``queue_server.security``), expires after
TOKEN_MAX_AGE_S, and carries what authorization needs (user id, username, roles, hall and
department) with the user's token version, so a request costs no query to learn who is calling:
``acting_user()`` is a ``Principal`` built from the token. The version is checked against the
worker's cache (``queue_server.accounts.revocation``); disabling a user, changing their password, roles or
scope, and a logout raise it, which refuses their tokens and sessions from the next request on.

Sign-in failures count per account: after LOGIN_LOCKOUT_THRESHOLD in a row the account is locked
for LOGIN_LOCKOUT_BASE_S, doubling with each further failure up to LOGIN_LOCKOUT_MAX_S; each lock is
recorded in the audit log.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import current_app, g, has_request_context, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from queue_server.accounts.models import AuditEntry, User
from queue_server.accounts.revocation import version_cache
from queue_server.calendar import clock
from queue_server.errors import ApiError, Forbidden, InvalidRequest, Unauthorized
from queue_server.extensions import db, login_manager
from queue_server.queue.models import Department, Hall

_TOKEN_SALT = "wuban-api-token"
BAD_CREDENTIALS = "用户名或密码错误"


class LoginLocked(ApiError):
    """Too many failed sign-ins: the account is locked for a while (429, with Retry-After)."""

    status, code = 429, "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        minutes = max(1, -(-retry_after_s // 60))
        super().__init__(
            f"登录失败次数过多，账号已暂时锁定，请 {minutes} 分钟后再试", {"retry_after_s": retry_after_s}
        )
        self.retry_after_s = retry_after_s
        if has_request_context():
            g.retry_after_s = retry_after_s  # queue_server.security sends it as Retry-After


# One serializer per secret key: building one costs more than checking a token with it.
_serializers: dict[str, URLSafeTimedSerializer] = {}


def _serializer() -> URLSafeTimedSerializer:
    secret = current_app.config["SECRET_KEY"]
    serializer = _serializers.get(secret)
    if serializer is None:
        serializer = _serializers[secret] = URLSafeTimedSerializer(secret, salt=_TOKEN_SALT)
    return serializer


@dataclass(frozen=True, slots=True)
class Principal:
    """The staff user of a request as the token names them (``record()`` loads the ORM row)."""

    id: int
    username: str
    name: str
    roles: tuple[str, ...]
    hall_id: int | None
    hall_code: str | None
    department_id: int | None
    department_code: str | None
    token_version: int
    token_id: str | None = None

    active = True  # a principal exists only for a token that still holds

    def has_role(self, *roles: str) -> bool:
        """Tell whether the user holds any of the roles (admin holds them all)."""
        return "admin" in self.roles or any(role in self.roles for role in roles)

    @property
    def hall(self) -> Hall | None:
        return db.session.get(Hall, self.hall_id) if self.hall_id is not None else None

    @property
    def department(self) -> Department | None:
        return db.session.get(Department, self.department_id) if self.department_id is not None else None

    def record(self) -> User:
        """Return the user's ORM row (loaded now, or taken from the session's identity map)."""
        return db.session.get(User, self.id)


def user_record(actor: "User | Principal") -> User:
    """Return the ORM row of a user or principal, for an operation that links it to another row."""
    return actor if isinstance(actor, User) else actor.record()


def issue_token(user: User) -> str:
    """Sign a bearer token for the user, carrying their scope and token version."""
    return _serializer().dumps(
        {
            "uid": user.id,
            "u": user.username,
            "n": user.name,
            "r": list(user.roles),
            "h": user.hall_id,
            "hc": user.hall.code if user.hall is not None else None,
            "d": user.department_id,
            "dc": user.department.code if user.department is not None else None,
            "v": user.token_version or 0,
            "t": secrets.token_urlsafe(12),
        }
    )


def principal_from_token(token: str) -> Principal | None:
    """Return the principal of a signed, unexpired, unrevoked token, or None."""
    try:
        claims = _serializer().loads(token, max_age=current_app.config["TOKEN_MAX_AGE_S"])
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("uid"), int) or "v" not in claims:
        return None  # a token of the old form (no version) is refused
    state = version_cache().state(claims["uid"])
    if state is None or not state.accepts(claims["v"], claims.get("t")):
        return None
    return Principal(
        id=claims["uid"],
        username=claims["u"],
        name=claims.get("n") or claims["u"],
        roles=tuple(claims["r"]),
        hall_id=claims["h"],
        hall_code=claims["hc"],
        department_id=claims["d"],
        department_code=claims["dc"],
        token_version=claims["v"],
        token_id=claims.get("t"),
    )


# The realtime module and older callers know it by this name.
user_from_token = principal_from_token


# --- sign-in, lockout, logout, password ---


def authenticate(username: str, password: str) -> User:
    """Return the user with these credentials, else 401 (429 while locked); failures count (unflushed)."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    now = clock.now()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LoginLocked(int((user.locked_until - now).total_seconds()) + 1)
    if user is None or not user.active or not user.check_password(password):
        if user is not None and user.active:
            _count_failure(user, now)
        raise Unauthorized(BAD_CREDENTIALS)
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins, user.locked_until = 0, None
    return user


def sign_in(username: str, password: str) -> User:
    """Authenticate and commit what the attempt changed (a failure count, a lock, a reset)."""
    try:
        user = authenticate(username, password)
    except Unauthorized:
        db.session.commit()
        raise
    db.session.commit()
    return user


def _count_failure(user: User, now) -> None:
    config = current_app.config
    failures = (user.failed_logins or 0) + 1
    user.failed_logins = failures
    over = failures - config["LOGIN_LOCKOUT_THRESHOLD"]
    if over < 0:
        return
    seconds = min(config["LOGIN_LOCKOUT_BASE_S"] * 2 ** min(over, 30), config["LOGIN_LOCKOUT_MAX_S"])
    before = {"failed_logins": failures - 1, "locked_until": _iso(user.locked_until)}
    user.locked_until = now + timedelta(seconds=seconds)
    AuditEntry.append(
        None,
        "user.locked",
        f"user:{user.username}",
        before,
        {"failed_logins": failures, "locked_until": _iso(user.locked_until)},
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def revoke_tokens(user_id: int) -> None:
    """Raise the user's token version: every token and session of theirs is refused from now on."""
    user = db.session.get(User, user_id)
    if user is not None:
        user.token_version = (user.token_version or 0) + 1
        user.kept_token_id = None
        db.session.flush()


def change_password(actor: Principal, old: str, new: str) -> None:
    """Change the acting user's password; every other token and session of theirs is revoked."""
    user = actor.record()
    if user is None or not user.check_password(old):
        raise InvalidRequest({"old": "原密码不正确"}, "原密码不正确")
    if new == old:
        raise InvalidRequest({"new": "新密码不能与原密码相同"})
    user.set_password(new)
    user.token_version = (user.token_version or 0) + 1
    user.kept_token_id = actor.token_id  # the token that asked keeps working
    AuditEntry.append(actor, "user.password_changed", f"user:{user.username}", None, None)
    db.session.flush()


@login_manager.user_loader
def _load_session_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None  # a session of the old form (no version) ends
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or (user.token_version or 0) != int(version):
        return None
    return user


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def staff_required(*roles: str):
    """Answer 401 without a valid bearer token and 403 when the user holds none of the roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = _bearer_token()
            if token is None:
                raise Unauthorized("请先登录")
            principal = principal_from_token(token)
            if principal is None:
                raise Unauthorized("登录凭证无效或已过期，请重新登录")
            if roles and not principal.has_role(*roles):
                raise Forbidden("当前账号无权执行此操作")
            g.staff_user = principal
            return view(*args, **kwargs)

        return wrapped

    return decorator


def acting_user() -> Principal:
    """Return the staff user of this API request (set by staff_required)."""
    return g.staff_user
