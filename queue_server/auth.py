"""Staff authentication: bearer tokens for the API, Flask-Login sessions for web screens.

The JSON API takes bearer tokens only, so a browser's session cookie can never be used to change
anything from another site (no CSRF surface); a signed-in screen gets a token with its page.
"""

from functools import wraps

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import Forbidden, Unauthorized
from .extensions import db, login_manager
from .models import User

_TOKEN_SALT = "wuban-api-token"


# One serializer per secret key: building one costs more than checking a token with it.
_serializers: dict[str, URLSafeTimedSerializer] = {}


def _serializer() -> URLSafeTimedSerializer:
    secret = current_app.config["SECRET_KEY"]
    serializer = _serializers.get(secret)
    if serializer is None:
        serializer = _serializers[secret] = URLSafeTimedSerializer(secret, salt=_TOKEN_SALT)
    return serializer


def issue_token(user: User) -> str:
    """Sign a bearer token for the user."""
    return _serializer().dumps({"uid": user.id})


def user_from_token(token: str) -> User | None:
    """Return the active user a token was signed for, or None."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["TOKEN_MAX_AGE_S"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    return user if user is not None and user.active else None


def authenticate(username: str, password: str) -> User:
    """Return the user with these credentials, or answer 401."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        raise Unauthorized("用户名或密码错误")
    return user


def user_view(user: User) -> dict:
    """Render a user as the contract's user object."""
    return {
        "username": user.username,
        "name": user.name,
        "roles": list(user.roles),
        "hall": user.hall.code if user.hall else None,
        "department": user.department.code if user.department else None,
    }


@login_manager.user_loader
def _load_session_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


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
            user = user_from_token(token)
            if user is None:
                raise Unauthorized("登录凭证无效或已过期，请重新登录")
            if roles and not user.has_role(*roles):
                raise Forbidden("当前账号无权执行此操作")
            g.staff_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator


def acting_user() -> User:
    """Return the staff user of this API request (set by staff_required)."""
    return g.staff_user
