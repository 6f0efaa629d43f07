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

from queue_server.redis_client import PAUSE_AFTER_FAILURE_S
from tests.live import LiveServer
from tests.realtime.test_multiprocess import (  # noqa: F401  (fixtures: a live PostgreSQL database, servers, boards)
    Board,
    boards,
    database,
    live_database,
    open_window,
    private_redis,
    servers,
)

WAIT_S = 20  # an upper bound for a hang, never a measured time


def send(
    server: LiveServer,
    method: str,
    path: str,
    body: dict | None = None,
    token: str | None = None,
    key: str | None = None,
) -> tuple[int, dict | None, dict]:
    """One API request with an optional Idempotency-Key; return (status, body, headers)."""
    request = urllib.request.Request(
        server.url + "/api/v1" + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
    )
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


def send_and_hang_up(
    server: LiveServer, path: str, body: dict | None, key: str, token: str | None = None
) -> None:
    """Send a POST and close the connection without reading a byte of the answer (the answer is lost)."""
    payload = json.dumps(body).encode() if body is not None else b""
    head = [
        f"POST /api/v1{path} HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        f"Idempotency-Key: {key}",
        "Connection: close",
    ]
    if token:
        head.append(f"Authorization: Bearer {token}")
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S) as connection:
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        connection.shutdown(socket.SHUT_WR)
    # closed unread: whatever the server answers goes nowhere


def retry_until_answered(
    server: LiveServer, path: str, body: dict | None, key: str, token: str | None = None
):
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
    assert headers.get("Idempotent-Replayed") == "true", "the retry ran again instead of replaying the answer"
    assert waiting(server) == 1
    status, second, _ = send(server, "POST", "/halls/xiqu/tickets", {"queue": "shsd"})
    assert status == 201 and second["number"] == "A002"  # the lost ticket took one number, once

    token = server.token("clerk1")
    window = open_window(server, token)
    key = str(uuid.uuid4())
    send_and_hang_up(server, f"/windows/{window}/call-next", None, key, token)
    wait_for_waiting(server, 1)  # A001 was called: only the answer was lost
    status, called, headers = retry_until_answered(server, f"/windows/{window}/call-next", None, key, token)
    assert status == 200 and called["number"] == "A001", called
    assert headers.get("Idempotent-Replayed") == "true"
    assert waiting(server) == 1, "the retried call-next called a second citizen"
    _, second_state, _ = send(server, "GET", f"/tickets/{second['id']}")
    assert second_state["state"] == "waiting"


# --- Redis outage: boards keep showing calls ---------------------------------------------------------


class FollowingBoard(Board):
    """A board that follows seq as live.js does: applies events in order, and re-reads the snapshot on a
    gap and on `resync`; it records every call it showed and how (event or snapshot)."""

    def __init__(self, server_url: str) -> None:
        super().__init__(server_url)
        self.last_seq: int | None = None
        self.done = 0  # events already looked at
        self.shown: dict[str, str] = {}  # number -> "event" | "snapshot"
        self.refetches: list[str] = []  # why each re-read happened: "gap" | "resync"

    def refetch(self, reason: str | None = None) -> dict:
        snapshot = self.subscribe()
        assert "error" not in snapshot, snapshot
        if reason:
            self.refetches.append(reason)
        self.last_seq = snapshot["seq"]
        for row in snapshot["calls"]:
            self.shown.setdefault(row["number"], "snapshot")
        return snapshot

    def follow(self) -> None:
        """Look at the events received since the last look, in seq order, as live.js would."""
        with self.lock:
            new, self.done = self.events[self.done :], len(self.events)
        numbered = sorted(
            (p for _, name, p in new if name in ("ticket_called", "queue_updated")), key=lambda p: p["seq"]
        )
        names = {id(p): name for _, name, p in new}
        if any(name == "resync" for _, name, _ in new):
            self.refetch("resync")
        for payload in numbered:
            if payload["seq"] <= self.last_seq:
                continue  # the snapshot holds it
            if payload["seq"] != self.last_seq + 1:
                self.refetch("gap")  # live.js waits 300 ms for a straggler first; nothing straggles here
                continue
            self.last_seq = payload["seq"]
            if names[id(payload)] == "ticket_called":
                self.shown.setdefault(payload["number"], "event")

    def heard(self, number: str) -> dict | None:
        with self.lock:
            calls = (p for _, name, p in self.events if name == "ticket_called")
            return next((p for p in calls if p.get("number") == number), None)


def call_once(server: LiveServer, token: str, window: int) -> str:
    assert send(server, "POST", "/halls/xiqu/tickets", {"queue": "shsd"})[0] == 201
    status, called, _ = send(server, "POST", f"/windows/{window}/call-next", token=token)
    assert status == 200, called
    # no_show frees the window for the next call-next
    status, gone, _ = send(server, "POST", f"/tickets/{called['id']}/no_show", token=token)
    assert status == 200, gone
    return called["number"]


def settle(board: FollowingBoard, number: str, seconds: float = 5) -> None:
    """Give the board time to hear a call (or to learn of it by a re-read), then follow."""
    deadline = time.monotonic() + seconds
    while board.heard(number) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    board.follow()


def test_boards_keep_showing_calls_while_redis_is_down(database, private_redis, servers, boards):
    """Stop the servers' Redis while clerks call through two servers: does a board on server A still hear
    A's calls live (with seq), see a gap and re-read the snapshot (which shows B's calls too), does a board
    that connects meanwhile get them all, and does every board re-read its snapshot as soon as Redis is
    back, without waiting for the next call?"""
    server_a = servers.start(database, "eventlet", private_redis.url)
    server_b = servers.start(database, "eventlet", private_redis.url)
    # The hall's counter starts (at ms since 2020) before the board subscribes.
    assert send(server_a, "POST", "/halls/xiqu/tickets", {"queue": "shsd"})[0] == 201
    board = FollowingBoard(server_a.url)
    board.refetch()
    token_a, token_b = server_a.token("clerk1"), server_b.token("clerk2")
    window_a, window_b = open_window(server_a, token_a, 1), open_window(server_b, token_b, 2)
    made = {"before": [], "outage": [], "after": []}

    for server, token, window in ((server_a, token_a, window_a), (server_b, token_b, window_b)):
        made["before"].append(call_once(server, token, window))
        settle(board, made["before"][-1])
    assert set(made["before"]) <= set(board.shown) and board.refetches == []

    private_redis.stop()
    stopped = time.monotonic()
    heard_live, seqs = [], []
    for round_ in range(3):
        if round_ == 2:  # past the 5 s the servers leave a failed Redis alone: they try it again, and fail
            time.sleep(max(0.0, PAUSE_AFTER_FAILURE_S + 1 - (time.monotonic() - stopped)))
        number = call_once(server_a, token_a, window_a)  # through the board's own server
        made["outage"].append(number)
        settle(board, number)
        event = board.heard(number)
        if event is not None:
            heard_live.append(number)
            seqs.append(event["seq"])
        made["outage"].append(call_once(server_b, token_b, window_b))  # through the other server
    board.follow()
    latecomer = boards(server_a.url)
    late_snapshot = latecomer.subscribe()
    print(
        f"\n[Redis down {time.monotonic() - stopped:.1f} s] board on A heard {len(heard_live)} of "
        f"{len(made['outage']) // 2} calls made through A live, seqs {seqs}; re-reads {board.refetches}"
    )
    assert heard_live == made["outage"][0::2], "calls made through the board's own server never reached it"
    assert all(isinstance(seq, int) for seq in seqs) and seqs == sorted(set(seqs))
    assert board.refetches.count("gap") >= len(seqs), "an outage event did not show a gap (false continuity)"
    assert set(made["outage"][:-1]) <= set(board.shown), "the re-read snapshot did not show B's calls"
    assert set(made["before"] + made["outage"]) <= {row["number"] for row in late_snapshot["calls"]}
    assert late_snapshot["seq"] >= max(seqs), "the snapshot's seq is behind the events already sent"

    board_b = boards(server_b.url)
    board_b.subscribe()
    private_redis.start()
    back = time.monotonic()
    resync = board.wait_for("resync", timeout=15, since=back)
    assert resync is not None, f"no resync within 15 s of Redis returning; see {server_a.log_path}"
    assert board_b.wait_for("resync", timeout=15, since=back), f"no resync on B; see {server_b.log_path}"
    print(f"[Redis back] resync reached the board after {resync[0] - back:.1f} s, with no call made")
    time.sleep(0.5)  # both servers' resyncs have crossed through Redis
    board.follow()
    assert board.refetches[-1] == "resync"
    assert set(made["before"] + made["outage"]) <= set(board.shown), "a call of the outage was never shown"

    for server, token, window in ((server_b, token_b, window_b), (server_a, token_a, window_a)):
        made["after"].append(call_once(server, token, window))
        settle(board, made["after"][-1])
    assert set(made["after"]) <= set(board.shown), "calls after the outage did not reach the board"
    assert all(board.shown[number] == "event" for number in made["after"])
    print(
        f"[all] {len(board.shown)} calls shown: "
        f"{sum(1 for how in board.shown.values() if how == 'event')} as events, the rest by re-reading"
    )
