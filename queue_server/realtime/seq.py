"""The seq of each hall: one counter across its numbered events, so a board can tell when it missed one.

The contract's two numbered events, ``ticket_called`` and ``queue_updated``, carry ``seq``: one counter
per hall across both, kept in Redis when REDIS_URL is set (so every worker and the scheduler share it)
and in this process otherwise. Notices (``ticket_updated``, ``window_updated``, …) carry none, so a
board that counts seq never sees a false gap.

While Redis is down, events still reach this process's subscribers, numbered by the process: each
one jumps at least two past the last seq the process sent or saw (and at least to the milliseconds
since 2020), so a board always sees a gap and re-reads the snapshot, which carries that seq and the
calls every process made; it never sees a false continuity across calls it could not hear. When the
message queue's listener gets back to Redis, the counters are raised above every seq this process
used and every subscriber gets ``resync`` (this process's directly, the others' through Redis): every
board re-reads its snapshot at once.
"""

import itertools
import logging
import threading
import time
from collections import defaultdict

import redis
from flask import current_app

from queue_server.redis_client import pause_redis, redis_client, redis_paused

log = logging.getLogger(__name__)

_local_seq: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))
_local_last: dict[str, int] = defaultdict(int)
_local_lock = threading.Lock()
# With REDIS_URL: the last seq this process sent or read per (Redis URL, hall); the outage numbering
# starts above it.
_last_seen: dict[tuple[str, str], int] = defaultdict(int)
# Next seq: a missing counter starts at ARGV[1] (ms since 2020), and never below ARGV[2] (this
# process's last seq), so seqs sent during an outage are never handed out again.
_NEXT_SEQ_LUA = """
local value = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if value < tonumber(ARGV[2]) then value = tonumber(ARGV[2]) end
redis.call('SET', KEYS[1], value + 1)
return value + 1
"""
_RAISE_SEQ_LUA = """
if (tonumber(redis.call('GET', KEYS[1]) or 0)) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return redis.call('GET', KEYS[1])
"""
RESYNC = "resync"


def _time_floor() -> int:
    """Milliseconds since 2020-01-01: above any seq a counter made by counting events since then."""
    return int((time.time() - 1_577_836_800) * 1000)


def _seen(hall_code: str, value: int) -> int:
    key = (current_app.config["REDIS_URL"], hall_code)
    with _local_lock:
        if value > _last_seen[key]:
            _last_seen[key] = value
        return _last_seen[key]


def next_seq(hall_code: str) -> int:
    """Take the hall's next event number (from Redis with REDIS_URL; from this process during an outage)."""
    if current_app.config.get("REDIS_URL"):
        if not redis_paused():
            try:
                # A counter lost with Redis starts again above every earlier value (ms since 2020), so
                # boards see a jump forward (a gap: they re-fetch) instead of seq falling back to 1.
                value = int(
                    redis_client().eval(
                        _NEXT_SEQ_LUA,
                        1,
                        seq_key(hall_code),
                        _time_floor(),
                        _last_seen[(current_app.config["REDIS_URL"], hall_code)],
                    )
                )
                return _seen(hall_code, value)
            except redis.RedisError as error:
                pause_redis(error)
        return _outage_seq(hall_code)
    with _local_lock:
        value = next(_local_seq[hall_code])
        _local_last[hall_code] = value
        return value


def _outage_seq(hall_code: str) -> int:
    """Number an event while Redis is down: always a gap for the boards (see the module's docstring)."""
    key = (current_app.config["REDIS_URL"], hall_code)
    with _local_lock:
        value = max(_last_seen[key] + 2, _time_floor())
        _last_seen[key] = value
        return value


def current_seq(hall_code: str) -> int:
    """Return the hall's last event number, as this process knows it while Redis is unreachable."""
    if current_app.config.get("REDIS_URL"):
        if not redis_paused():
            try:
                return _seen(hall_code, int(redis_client().get(seq_key(hall_code)) or 0))
            except redis.RedisError as error:
                pause_redis(error)
                log.warning("redis unreachable while reading seq of %s", hall_code)
        return _last_seen[(current_app.config["REDIS_URL"], hall_code)]
    return _local_last[hall_code]


def seq_key(hall_code: str) -> str:
    """Name the Redis key of a hall's seq counter."""
    return f"wuban:seq:{hall_code}"


def resync_after_outage(server, connection, url: str) -> None:
    """Redis is back: raise each hall's counter above this process's outage seqs, then tell every
    subscriber to re-read their snapshot (``resync``, a notice: no seq). It goes to this process's
    subscribers and through Redis to the others': a process that got back to Redis earlier may have
    told its boards before this one's last events made during the outage, which they never heard."""
    with _local_lock:
        seen = {hall_code: value for (at, hall_code), value in _last_seen.items() if at == url}
    for hall_code, value in seen.items():
        try:
            connection.eval(_RAISE_SEQ_LUA, 1, seq_key(hall_code), value)
        except redis.RedisError as error:
            log.warning("could not raise the seq of %s after the outage: %s", hall_code, error)
    server.emit(RESYNC, {"reason": "redis"}, namespace="/")
    log.info("redis is back: told every subscriber to re-read their snapshot")
