"""The shared Redis connection (only when REDIS_URL is set)."""

import redis
from flask import current_app

_clients: dict[str, redis.Redis] = {}


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
