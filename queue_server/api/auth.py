"""Staff sign-in for API clients."""

from flask import current_app

from ..auth import authenticate, issue_token, user_view
from ..extensions import limiter
from ..schemas import TokenRequest, parse_body
from . import bp


@bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def create_token():
    req = parse_body(TokenRequest)
    user = authenticate(req.username, req.password)
    return {"token": issue_token(user), "user": user_view(user)}
