"""The shared Redis connection (only when REDIS_URL is set)."""

import logging
import time

import redis
from flask import current_app

log = logging.getLogger(__name__)

_clients: dict[str, redis.Redis] = {}

# After a Redis failure, event code leaves Redis alone for this long, so a hung Redis costs one
# request one timeout, not every request every timeout. Kept per Redis URL (tests build many apps).
PAUSE_AFTER_FAILURE_S = 5.0
_paused_until: dict[str, float] = {}


def _url(url: str | None) -> str:
    return url or current_app.config.get("REDIS_URL") or ""


def redis_paused(url: str | None = None) -> bool:
    """Tell whether a recent failure says to leave Redis (REDIS_URL, or url) alone for now."""
    return time.monotonic() < _paused_until.get(_url(url), 0.0)


def pause_redis(error: Exception, url: str | None = None) -> None:
    """Note a Redis failure: event code skips Redis for PAUSE_AFTER_FAILURE_S."""
    url = _url(url)
    if not redis_paused(url):
        log.warning("redis failed (%s); events stay in this process for %.0f s", error, PAUSE_AFTER_FAILURE_S)
    _paused_until[url] = time.monotonic() + PAUSE_AFTER_FAILURE_S


def resume_redis(url: str | None = None) -> None:
    """Note that Redis answers again: event code uses it at once."""
    _paused_until.pop(_url(url), None)


def redis_client() -> redis.Redis:
    """Return a Redis client for REDIS_URL, one pool per URL and process."""
    url = current_app.config["REDIS_URL"]
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _clients[url]


def redis_status() -> str:
    """Say whether Redis is in use and answering: "ok", "off" or "down"."""
    if not current_app.config.get("REDIS_URL"):
        return "off"
    try:
        redis_client().ping()
        return "ok"
    except redis.RedisError:
        return "down"


def socketio_manager(url: str, on_back):
    """Flask-SocketIO's Redis manager with short timeouts, one publish attempt, the pause above, and the
    listener's reconnect back-off capped at 2 s (upstream doubles it up to 60 s, so events between
    processes stayed lost for up to a minute after Redis came back). When the listener gets back to
    Redis after losing it, this process's subscribers are told to re-read their snapshot
    (``on_back(server, connection, url)``: realtime.seq.resync_after_outage): events of other processes
    made meanwhile never reached them."""
    import socketio

    class Manager(socketio.RedisManager):
        RETRY_CAP_S = 2.0

        def _publish(self, data):
            if redis_paused(self.redis_url):
                return None
            try:
                if not self.connected:
                    self._redis_connect()
                return self.redis.publish(self.channel, self.json.dumps(data))
            except Exception as exc:  # noqa: BLE001 - any failure: the event was already delivered here
                self.connected = False
                pause_redis(exc, self.redis_url)
                return None

        def _redis_listen_with_retries(self):  # upstream's loop, with the cap and the resync
            retry_sleep, subscribed, lost = 0.5, False, False
            while True:
                try:
                    if not subscribed:
                        self._redis_connect()
                        self.pubsub.subscribe(self.channel)
                        subscribed, retry_sleep = True, 0.5
                        if lost:
                            self.redis.ping()  # the subscribe is only sent: make sure Redis answers
                            lost = False
                            self._back()
                    yield from self.pubsub.listen()
                except Exception as exc:  # noqa: BLE001
                    self._get_logger().error(
                        "Cannot receive from redis (%s), retrying in %s s", exc, retry_sleep
                    )
                    pause_redis(exc, self.redis_url)
                    subscribed, lost = False, True
                    time.sleep(retry_sleep)
                    retry_sleep = min(retry_sleep * 2, self.RETRY_CAP_S)

        def _back(self):
            resume_redis(self.redis_url)
            try:
                on_back(self.server, self.redis, self.redis_url)
            except Exception:  # noqa: BLE001 - never stop listening over it
                log.exception("could not resync after the redis outage")

    return Manager(
        url, channel="flask-socketio", redis_options={"socket_timeout": 1, "socket_connect_timeout": 1}
    )
