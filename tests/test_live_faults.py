"""Faults against the real server (gunicorn on PostgreSQL): lost answers retried with an Idempotency-Key,
and boards that keep showing calls while the server's Redis is down.

Figures are printed (run with -s to see them).
"""

import json
import socket
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.live import LiveServer
from tests.test_multiprocess import (  # noqa: F401  (fixtures: a live PostgreSQL database, servers, boards)
    Board, boards, database, live_database, open_window, private_redis, servers,
)

WAIT_S = 20  # an upper bound for a hang, never a measured time


def send(server: LiveServer, method: str, path: str, body: dict | None = None, token: str | None = None,
         key: str | None = None) -> tuple[int, dict | None, dict]:
    """One API request with an optional Idempotency-Key; return (status, body, headers)."""
    request = urllib.request.Request(server.url + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if key:
        request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=WAIT_S) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None, dict(answer.headers)
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None, dict(error.headers)


def send_and_hang_up(server: LiveServer, path: str, body: dict | None, key: str, token: str | None = None) -> None:
    """Send a POST and close the connection without reading a byte of the answer (the answer is lost)."""
    payload = json.dumps(body).encode() if body is not None else b""
    head = [f"POST /api/v1{path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Content-Type: application/json",
            f"Content-Length: {len(payload)}", f"Idempotency-Key: {key}", "Connection: close"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S) as connection:
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        connection.shutdown(socket.SHUT_WR)
    # closed unread: whatever the server answers goes nowhere


def retry_until_answered(server: LiveServer, path: str, body: dict | None, key: str, token: str | None = None):
    """Retry as a screen does: again with the same key while the first attempt is still running (409)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        status, answer, headers = send(server, "POST", path, body, token, key)
        if not (status == 409 and answer["error"]["details"].get("reason") == "in_progress"):
            return status, answer, headers
        assert time.monotonic() < deadline, "the first attempt never finished"
        time.sleep(float(headers.get("Retry-After", "0.2")) / 5)


def waiting(server: LiveServer, queue: str = "shsd") -> int:
    _, queues, _ = send(server, "GET", "/halls/xiqu/queues")
    return next(row["waiting"] for row in queues if row["code"] == queue)


def wait_for_waiting(server: LiveServer, count: int) -> None:
    """Wait until the queue holds `count` waiting tickets (the hung-up request has committed)."""
    deadline = time.monotonic() + WAIT_S
    while waiting(server) != count:
        assert time.monotonic() < deadline, f"the queue never held {count} waiting tickets"
        time.sleep(0.05)


def test_lost_answers_are_retried_safely_with_the_key(database, servers):
    """Kiosk and clerk hang up before reading the answer, then retry with the same key: do they get the
    same ticket and the same call, with no second number and no second call?"""
    server = servers.start(database, "eventlet", None)
    key = str(uuid.uuid4())
    send_and_hang_up(server, "/halls/xiqu/tickets", {"queue": "shsd"}, key)
    wait_for_waiting(server, 1)  # the ticket was issued: only its answer was lost
    status, ticket, headers = retry_until_answered(server, "/halls/xiqu/tickets", {"queue": "shsd"}, key)
    assert status == 201 and ticket["number"] == "A001", ticket
    assert headers.get("Idempotent-Replayed") == "true", "the retry ran again instead of replaying the first answer"
    assert waiting(server) == 1
    status, second, _ = send(server, "POST", "/halls/xiqu/tickets", {"queue": "shsd"})
    assert status == 201 and second["number"] == "A002"  # the lost ticket took one number, once

    token = server.token("clerk1")
    window = open_window(server, token)
    key = str(uuid.uuid4())
    send_and_hang_up(server, f"/windows/{window}/call-next", None, key, token)
    wait_for_waiting(server, 1)  # A001 was called: only the answer was lost
    status, called, headers = retry_until_answered(server, f"/windows/{window}/call-next", None, key, token)
    assert status == 200 and called["number"] == "A001" and headers.get("Idempotent-Replayed") == "true", called
    assert waiting(server) == 1, "the retried call-next called a second citizen"
    _, second_state, _ = send(server, "GET", f"/tickets/{second['id']}")
    assert second_state["state"] == "waiting"
