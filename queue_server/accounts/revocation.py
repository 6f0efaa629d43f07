"""Token versions: revoke a user's bearer tokens and sessions at once, without a query per request.

Every bearer token carries its user's ``token_version`` as it was when the token was signed. Any
change of a user's password, roles, hall, department or active flag raises the version in the same
flush (``before_flush`` below), and so does a logout; a token of an older version is refused.

Each worker keeps the versions it has read in memory (``VersionCache``), so a request with a token
costs no database query. Once the change is committed the worker drops its own entry and, with
REDIS_URL, publishes the user's id on a Redis channel that every worker listens to and drops its
entry too; the next request reads the version again. While a worker is not subscribed (Redis down,
or not yet connected) it trusts no entry and reads the version on every request. Without REDIS_URL
the cache is this process's own: correct for one process (every revocation goes through it); when
WEB_CONCURRENCY says several workers run without Redis, entries are not kept at all. Entries also
expire after TOKEN_VERSION_CACHE_S (default 30 s), which bounds what a revocation made by another
program without Redis (a CLI command) takes to arrive.
"""

import logging
import os
import threading
import time
from dataclasses import dataclass

import redis
from flask import Flask, current_app
from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from queue_server.accounts.models import User
from queue_server.extensions import db

log = logging.getLogger(__name__)

CHANNEL = "wuban:token-revoked"
DEFAULT_CACHE_S = 30.0
# A change of any of these attributes revokes the user's tokens and sessions.
REVOKING_ATTRIBUTES = ("password_hash", "roles", "hall_id", "department_id", "active")
_PENDING = "wuban.revoked_users"


@dataclass(frozen=True, slots=True)
class TokenState:
    """What decides whether a user's token still holds: the version, the kept token, the active flag."""

    version: int
    kept_token_id: str | None
    active: bool

    def accepts(self, version: int, token_id: str | None) -> bool:
        """Tell whether a token of this version and id is still good."""
        if not self.active:
            return False
        return version == self.version or (token_id is not None and token_id == self.kept_token_id)


class VersionCache:
    """One app's cache of users' token states, invalidated by commits here and by Redis messages."""

    def __init__(self, app: Flask) -> None:
        configured = app.config.get("TOKEN_VERSION_CACHE_S")
        workers = int(os.environ.get("WEB_CONCURRENCY", "1") or 1)
        self.redis_url = app.config.get("REDIS_URL")
        if configured not in (None, ""):
            self.ttl = float(configured)
        else:  # several workers and no Redis to tell them: read the version every time
            self.ttl = DEFAULT_CACHE_S if self.redis_url or workers <= 1 else 0.0
        self._entries: dict[int, tuple[TokenState, float]] = {}
        self._epoch = 0  # raised by every invalidation: a read that overlapped one is not kept
        self._subscribed = not self.redis_url
        self._listener: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- reading ---

    def state(self, user_id: int) -> TokenState | None:
        """Return the user's token state (None for no such user), from memory when it can be trusted."""
        if self.redis_url and self._listener is None:
            self._start_listener()
        now = time.monotonic()
        entry = self._entries.get(user_id)
        if entry is not None and self._subscribed and entry[1] > now:
            return entry[0]
        epoch = self._epoch
        row = db.session.execute(
            select(User.token_version, User.kept_token_id, User.active).where(User.id == user_id)
        ).first()
        state = TokenState(row[0] or 0, row[1], bool(row[2])) if row is not None else None
        if state is not None and self.ttl > 0 and self._subscribed and epoch == self._epoch:
            self._entries[user_id] = (state, now + self.ttl)
        return state

    # --- invalidating ---

    def forget(self, user_ids) -> None:
        """Drop these users' entries (their tokens changed)."""
        self._epoch += 1
        for user_id in user_ids:
            self._entries.pop(user_id, None)

    def clear(self) -> None:
        """Drop every entry."""
        self._epoch += 1
        self._entries.clear()

    def announce(self, user_ids) -> None:
        """Drop the entries here and tell the other workers through Redis to drop theirs."""
        self.forget(user_ids)
        if not self.redis_url:
            return
        try:
            client = _publisher(self.redis_url)
            for user_id in user_ids:
                client.publish(CHANNEL, str(user_id))
        except redis.RedisError as error:
            # Listeners that lost Redis too read versions from the database until they are back.
            log.warning("could not announce revoked tokens of users %s: %s", sorted(user_ids), error)

    # --- the Redis listener ---

    def _start_listener(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            self._listener = threading.Thread(target=self._listen, name="token-revocations", daemon=True)
            self._listener.start()

    def _listen(self) -> None:
        retry_s = 0.5
        while True:
            pubsub = None
            try:
                client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2, socket_timeout=5)
                pubsub = client.pubsub(ignore_subscribe_messages=False)
                pubsub.subscribe(CHANNEL)
                last_ping = time.monotonic()
                while True:
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        if time.monotonic() - last_ping > 10:  # find a dead connection within seconds
                            pubsub.ping()
                            last_ping = time.monotonic()
                        continue
                    if message["type"] == "subscribe":
                        self.clear()  # whatever was revoked while we were away is read afresh
                        self._subscribed, retry_s = True, 0.5
                    elif message["type"] == "message":
                        data = message["data"]
                        if isinstance(data, bytes) and data.isdigit():
                            self.forget([int(data)])
            except Exception as error:  # noqa: BLE001 - any failure: distrust the cache and reconnect
                if self._subscribed:
                    log.warning("token revocations: lost Redis (%s); reading versions from the db", error)
                self._subscribed = False
                self.clear()
                time.sleep(retry_s)
                retry_s = min(retry_s * 2, 2.0)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001
                        pass


_publishers: dict[str, redis.Redis] = {}


def _publisher(url: str) -> redis.Redis:
    if url not in _publishers:
        _publishers[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _publishers[url]


def version_cache(app: Flask | None = None) -> VersionCache:
    """Return the app's token version cache (made on first use)."""
    app = app or current_app._get_current_object()
    cache = app.extensions.get("wuban_token_versions")
    if cache is None:
        cache = app.extensions["wuban_token_versions"] = VersionCache(app)
    return cache


# --- revoking on change, announcing after commit ---


@sa_event.listens_for(Session, "before_flush")
def _raise_versions(session, _context, _instances) -> None:
    for obj in session.dirty:
        if not isinstance(obj, User):
            continue
        state = inspect(obj)
        if state.attrs.token_version.history.has_changes():
            session.info.setdefault(_PENDING, set()).add(obj.id)
        elif any(state.attrs[name].history.has_changes() for name in REVOKING_ATTRIBUTES):
            obj.token_version = (obj.token_version or 0) + 1
            obj.kept_token_id = None
            session.info.setdefault(_PENDING, set()).add(obj.id)


@sa_event.listens_for(Session, "after_commit")
def _announce(session) -> None:
    revoked = session.info.pop(_PENDING, None)
    if not revoked:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:  # committed outside the app (no cache to tell)
        return
    version_cache(app).announce(revoked)


@sa_event.listens_for(Session, "after_rollback")
def _drop_pending(session) -> None:
    session.info.pop(_PENDING, None)
