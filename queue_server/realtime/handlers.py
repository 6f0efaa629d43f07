"""Socket.IO handlers: screens subscribe to a hall or a window and get the board snapshot as the ack.

Boards and kiosks subscribe with ``{"hall": code}``; clerk screens with ``{"window": id}``, which
needs staff: the bearer token in the connection's ``auth`` or the screen's session cookie. Staff of
the hall who may hear its case notices (``policy``: not agents) also join its staff room. Every
answer to a refused subscribe is the contract's error body; nothing else is affected.
"""

import logging

from flask import session
from flask_login import current_user
from flask_socketio import join_room, leave_room, rooms

from queue_server.accounts import policy
from queue_server.accounts.auth import user_from_token
from queue_server.accounts.models import User
from queue_server.accounts.revocation import TokenState
from queue_server.errors import ApiError, InvalidRequest, Unauthorized
from queue_server.extensions import db, socketio
from queue_server.queue.answers import BoardOut, WindowOut
from queue_server.queue.board import hall_board
from queue_server.queue.halls import get_hall, get_window
from queue_server.realtime.events import CONSULTANT_ROOM, agent_room, hall_room, staff_room

log = logging.getLogger(__name__)


def board_snapshot(hall) -> dict:
    """Render the hall's board as the subscribe acknowledgement carries it (as GET .../board answers)."""
    return BoardOut.model_validate(hall_board(hall)).model_dump(mode="json")


def window_room(window_id: int) -> str:
    """Name the Socket.IO room of one window's screens."""
    return f"window:{window_id}"


def _error_body(error: ApiError) -> dict:
    return {"error": {"code": error.code, "message": error.message, "details": error.details}}


@socketio.on("connect")
def on_connect(auth=None):
    user = None
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        user = user_from_token(auth["token"])
    elif current_user.is_authenticated:
        user = current_user
    session["staff_user_id"] = user.id if user else None
    # The token version (and token id) it signed in with: a later revocation refuses its subscribes.
    session["staff_token"] = (user.token_version or 0, getattr(user, "token_id", None)) if user else None
    db.session.remove()
    return True  # boards are public: a connection is never refused, only staff-only subscriptions are


def _signed_in_user() -> User | None:
    """Return the connection's staff user while their sign-in holds (not disabled, logged out or revoked)."""
    user_id = session.get("staff_user_id")
    user = db.session.get(User, user_id) if user_id else None
    if user is None or session.get("staff_token") is None:
        return None
    version, token_id = session["staff_token"]
    state = TokenState(user.token_version or 0, user.kept_token_id, user.active)
    return user if state.accepts(version, token_id) else None


def _staff_user() -> User:
    user = _signed_in_user()
    if user is None:
        raise Unauthorized("订阅窗口需要工作人员登录")
    return user


def _move_to(*targets: str) -> None:
    """Leave the hall/window rooms of an earlier subscribe and join these: only once this one is accepted."""
    for room in rooms():
        if room.startswith(("hall:", "staff:", "agents:", "window:")) and room not in targets:
            leave_room(room)
    for room in targets:
        join_room(room)


def _subscribe(data) -> dict:
    if not isinstance(data, dict) or len({"hall", "window"} & set(data)) != 1 or len(data) != 1:
        raise InvalidRequest({"subscribe": '应为 {"hall": 大厅代码} 或 {"window": 窗口编号}'}, "订阅参数有误")
    if "hall" in data:
        if not isinstance(data["hall"], str):
            raise InvalidRequest({"hall": "应为字符串"})
        hall = get_hall(data["hall"])
        user = _signed_in_user()
        # Staff of the hall also hear its case notices (case numbers, approvers): boards and kiosks do not.
        staff = [staff_room(hall.code)] if policy.allows(user, "hall.case_notices", hall_id=hall.id) else []
        if policy.allows(user, "hall.agent_notices", hall_id=hall.id):  # 代理办: the agent screen
            staff.append(agent_room(hall.code))
        _move_to(hall_room(hall.code), *staff)
        return board_snapshot(hall)
    window_id = data["window"]
    if not isinstance(window_id, int) or isinstance(window_id, bool):
        raise InvalidRequest({"window": "应为整数"})
    user = _staff_user()
    window = get_window(window_id)
    policy.require(user, "hall.staff", hall_id=window.hall_id)
    hall = window.hall
    staff = [staff_room(hall.code)] if policy.allows(user, "hall.case_notices", hall_id=hall.id) else []
    _move_to(hall_room(hall.code), *staff, window_room(window.id))
    return {**board_snapshot(window.hall), "window": WindowOut.model_validate(window).model_dump(mode="json")}


@socketio.on("subscribe")
def on_subscribe(data=None):
    try:
        return _subscribe(data)
    except ApiError as error:
        return _error_body(error)
    except Exception:  # never leave a screen without an answer, nor let it escape into the hub
        log.exception("subscribe %r failed", data)
        return {"error": {"code": "internal_error", "message": "服务器内部错误，请稍后再试", "details": {}}}
    finally:
        db.session.remove()


@socketio.on("subscribe_consultations")
def on_subscribe_consultations(data=None):
    """Let a consultant's screen hear of new and answered questions (在线咨询): ack ``{"ok": true}``."""
    try:
        user = _staff_user()
        policy.require(user, "consultation.answer")
        join_room(CONSULTANT_ROOM)
        return {"ok": True}
    except ApiError as error:
        return _error_body(error)
    finally:
        db.session.remove()


@socketio.on("*")
def on_unknown_event(event, data=None):
    return _error_body(InvalidRequest({"event": f"未知事件：{event}"}, "不支持的事件"))
