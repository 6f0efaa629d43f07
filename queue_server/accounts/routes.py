"""Staff sign-in for API clients: a token, sign-out, a password change."""

from flask import Blueprint, current_app

from queue_server.accounts.auth import (
    acting_user,
    change_password,
    issue_token,
    revoke_tokens,
    sign_in,
    staff_required,
    user_view,
)
from queue_server.extensions import db, limiter
from queue_server.schemas import PasswordRequest, TokenRequest, parse_body

bp = Blueprint("accounts", __name__)


@bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def create_token():
    req = parse_body(TokenRequest)
    user = sign_in(req.username, req.password)
    return {"token": issue_token(user), "user": user_view(user)}


@bp.post("/auth/logout")
@staff_required()
def logout():
    revoke_tokens(acting_user().id)
    db.session.commit()
    return "", 204


@bp.post("/auth/password")
@staff_required()
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def password():
    req = parse_body(PasswordRequest)
    change_password(acting_user(), req.old, req.new)
    db.session.commit()
    return "", 204
