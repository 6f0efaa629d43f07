"""Safe retries: every POST of the API may carry an ``Idempotency-Key`` (CONTRACT.md, Conventions).

A repeat with the same key by the same client within IDEMPOTENCY_TTL_S (24 hours) answers what the
first request answered (status, body) and changes nothing. How it holds:

- The client is the staff user of a valid bearer token (``user:<id>``), else the client address
  (``addr:<address>``, as the app sees it behind its proxy); a key is only ever looked up within its
  client, so one client can never be answered with another's result.
- The key and the answer are written in the SAME transaction as the request's own changes: while a
  keyed request runs, the handler's ``db.session.commit()`` only flushes (queue_server/extensions.py)
  and the one real commit happens after the answer is built. A request that fails (or is rolled back)
  leaves no key, so its retry simply runs again; an answer lost on the network after the commit is
  replayed from the stored row.
- A second request with the same key while the first still runs answers 409 ``conflict``: on
  PostgreSQL a transaction-level advisory lock on (client, key) is tried without waiting; on SQLite
  the write transaction each POST opens (BEGIN IMMEDIATE) already runs them one after the other, so
  the second waits and then gets the replay.
- The same key with another method, path, query or body answers 409 ``conflict`` too.
- Keys expire after IDEMPOTENCY_TTL_S; the scheduler purges them (``purge_expired``), and an expired
  key met again is replaced on the spot.

Only answers below 400 are remembered: an error changes nothing, so its retry runs again.
"""

import hashlib
import logging
import re
from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from queue_server.calendar import clock
from queue_server.errors import Conflict, InvalidRequest, error_response
from queue_server.extensions import COMMIT_ASKED, HOLD_COMMIT, db
from queue_server.idempotency_models import IdempotencyKey

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DEFAULT_TTL_S = 24 * 3600
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as the IETF draft's examples (UUIDs) are


class _State:
    """What this request's key is and how far it got."""

    __slots__ = ("client", "key", "fingerprint", "replayed")

    def __init__(self, client: str, key: str, fingerprint: str) -> None:
        self.client, self.key, self.fingerprint, self.replayed = client, key, fingerprint, False


def register(bp: Blueprint) -> None:
    """Hook the key check into every POST of the blueprint (after its write transaction is opened)."""
    bp.before_request(begin)
    bp.after_request(finish)
    bp.teardown_request(_release)


def client_of_request() -> str:
    """Name the client a key belongs to: the bearer token's user, else the client address."""
    from queue_server.accounts.auth import user_from_token

    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        user = user_from_token(token.strip())
        if user is not None:
            return f"user:{user.id}"
    return f"addr:{request.remote_addr or '-'}"


def fingerprint_of_request() -> str:
    """Hash what makes two requests the same request: method, path, query string and body."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string):
        digest.update(part + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def begin():
    """Replay a repeated key's answer, refuse a clash, or hold this request's commit to the end."""
    if request.method != "POST" or HEADER not in request.headers:
        return None
    key = request.headers[HEADER].strip()
    if not _KEY.match(key):
        raise InvalidRequest({HEADER: "应为 1 到 255 个可见 ASCII 字符（建议使用 UUID）"}, "幂等键格式有误")
    state = _State(client_of_request(), key, fingerprint_of_request())
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        locked = session.execute(
            text("SELECT pg_try_advisory_xact_lock(:lock)"), {"lock": _lock_id(state.client, key)}
        ).scalar()
        if not locked:
            raise _Busy()
    now = clock.now()
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.client == state.client, IdempotencyKey.key == key)
    )
    if row is not None and row.expires_at <= now:
        session.delete(row)  # expired: this request starts afresh under the same key
        session.flush()
        row = None
    if row is not None:
        if row.fingerprint != state.fingerprint:
            raise Conflict(
                "该幂等键已用于另一个请求，请为新的请求换一个 Idempotency-Key",
                {"idempotency_key": key, "reason": "reused"},
            )
        state.replayed = True
        g.idempotency = state
        session.rollback()  # nothing to do here: end the write transaction at once
        answer = Response(row.body, status=row.status, content_type=row.content_type)
        answer.headers[REPLAYED_HEADER] = "true"
        return answer
    g.idempotency = state
    session.info[HOLD_COMMIT] = True
    session.info.pop(COMMIT_ASKED, None)
    return None


class _Busy(Conflict):
    def __init__(self) -> None:
        super().__init__("使用同一幂等键的请求正在处理中，请稍后重试", {"reason": "in_progress"})


def finish(response: Response) -> Response:
    """Commit the request's changes together with its key and answer (only answers below 400)."""
    state = g.pop("idempotency", None)
    session = db.session()
    hold = session.info.pop(HOLD_COMMIT, None)
    committed = session.info.pop(COMMIT_ASKED, False)
    if state is None or state.replayed or not hold:
        if isinstance(state, _State) and state.replayed:
            response.headers[REPLAYED_HEADER] = "true"
        return _with_retry_after(response)
    if response.status_code >= 400 or response.is_streamed:
        session.rollback()  # an error changes nothing and leaves no key (the error handler rolled back too)
        return response
    if not committed:
        # The handler committed nothing: what it flushed is dropped as usual; the key keeps the answer.
        session.rollback()
    now = clock.now()
    session.add(
        IdempotencyKey(
            client=state.client,
            key=state.key,
            fingerprint=state.fingerprint,
            status=response.status_code,
            content_type=response.content_type,
            body=response.get_data(),
            created_at=now,
            expires_at=now + _ttl(),
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if committed:  # the changes were not committed: the answer must not claim they were
            log.warning("idempotency key %r of %s taken meanwhile; rolled back", state.key, state.client)
            return _error(
                409, "conflict", "使用同一幂等键的请求正在处理中，请稍后重试", {"reason": "in_progress"}
            )
        return response  # a read-only answer: nothing was lost
    except SQLAlchemyError:
        session.rollback()
        log.exception("could not commit a request with an idempotency key")
        return _error(503, "unavailable", "数据库暂时无法访问，请稍后重试")
    return response


def _error(status: int, code: str, message: str, details: dict | None = None) -> Response:
    answer, status = error_response(status, code, message, details)
    answer.status_code = status
    answer.headers["Retry-After"] = "1"
    return answer


def _with_retry_after(response: Response) -> Response:
    if response.status_code == 409 and request.headers.get(HEADER):
        body = response.get_json(silent=True) or {}
        if body.get("error", {}).get("details", {}).get("reason") == "in_progress":
            response.headers.setdefault("Retry-After", "1")
    return response


def _release(_error=None) -> None:
    """Never let a held commit outlive its request (the session may be reused by a test's context)."""
    g.pop("idempotency", None)
    session = db.session()
    session.info.pop(HOLD_COMMIT, None)
    session.info.pop(COMMIT_ASKED, None)


def purge_expired(now: datetime | None = None) -> int:
    """Delete the keys that expired; return how many (a scheduler job: flushes, never commits)."""
    expired = IdempotencyKey.expires_at <= (now or clock.now())
    result = db.session.execute(delete(IdempotencyKey).where(expired))
    return result.rowcount or 0


def _ttl() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("IDEMPOTENCY_TTL_S") or DEFAULT_TTL_S))


def _lock_id(client: str, key: str) -> int:
    """Map (client, key) to a signed 64-bit advisory lock number."""
    digest = hashlib.sha256(f"idempotency\0{client}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
