"""Staff sign-in for API clients: a token, sign-out, a password change."""

from flask import Blueprint

from queue_server.accounts.answers import TokenOut, UserOut
from queue_server.accounts.auth import (
    acting_user,
    change_password,
    issue_token,
    revoke_tokens,
    sign_in,
)
from queue_server.accounts.schemas import PasswordRequest, TokenRequest
from queue_server.api.answers import Error
from queue_server.api.spec import operation
from queue_server.validation import parse_body

bp = Blueprint("accounts", __name__)


@bp.post("/auth/token")
@operation(body=TokenRequest, limit="RATELIMIT_LOGIN", answers={200: TokenOut, 401: Error})
def create_token():
    """工作人员登录，取得令牌 Staff sign-in"""
    req = parse_body(TokenRequest)
    user = sign_in(req.username, req.password)
    return TokenOut(token=issue_token(user), user=UserOut.model_validate(user))


@bp.post("/auth/logout")
@operation(staff=True, answers={204: None})
def logout():
    """退出登录：吊销本人全部令牌和会话 Sign out (revokes every token and session of the user)"""
    revoke_tokens(acting_user().id)
    return "", 204


@bp.post("/auth/password")
@operation(staff=True, body=PasswordRequest, limit="RATELIMIT_LOGIN", answers={204: None})
def password():
    """修改本人密码：吊销其他令牌和会话 Change password (revokes the other tokens and sessions)"""
    req = parse_body(PasswordRequest)
    change_password(acting_user(), req.old, req.new)
    return "", 204
