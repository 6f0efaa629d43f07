"""Two app servers behind nginx, as docs/scaling.md deploys them (deploy/nginx-wuban.conf as it is).

Both gunicorn servers share one PostgreSQL database and one Redis (message queue and rate limits) and run
with PROXY_HOPS=1. Clients reach them through one nginx address from several source addresses
(127.0.0.10 …), so nginx's hash on the client address spreads them. The checks: every client sticks to
one server and both servers get clients; a long-polling Socket.IO board (which breaks without sticky
sessions) gets the calls made on either server; rate limits count per real client, not per nginx; and
when one server dies, nginx sends everyone to the other.
"""

import http.client
import json
import threading
import time
from collections import defaultdict

import pytest
import socketio

from tests.conftest import service_missing
from tests.live import PrivateNginx

# The two-server fixtures of the message-queue tests: a throw-away database, the shared Redis (db 14).
from tests.realtime.test_multiprocess import (  # noqa: F401
    database,
    live_database,
    open_window,
    servers,
    shared_redis,
)

SOURCES = [f"127.0.0.{10 + n}" for n in range(15)]  # odd: round-robin would move each one
EVENT_TIMEOUT_S = 10
TICKET_LIMIT = 3  # RATELIMIT_TICKETS of the servers, per minute and client


@pytest.fixture
def behind_nginx(database, shared_redis, servers):  # noqa: F811
    """Two eventlet servers (A, B) and an nginx in front of them; yield (nginx, A, B)."""
    if PrivateNginx.binary() is None:
        service_missing("nginx", "binary not found (apt-get install nginx-light)")
    env = {"PROXY_HOPS": 1, "RATELIMIT_ENABLED": "true", "RATELIMIT_TICKETS": f"{TICKET_LIMIT}/minute"}
    server_a = servers.start(database, "eventlet", shared_redis, **env)
    server_b = servers.start(database, "eventlet", shared_redis, **env)
    nginx = PrivateNginx([server_a.port, server_b.port]).start()
    yield nginx, server_a, server_b
    nginx.stop()


def call(url: str, method: str, path: str, body=None, token=None, source="127.0.0.1") -> tuple[int, object]:
    """Send one JSON request from a given local address; return (status, decoded body)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source, 0))
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        answer = connection.getresponse()
        raw = answer.read()
        return answer.status, json.loads(raw) if raw else None
    finally:
        connection.close()


class PollingBoard:
    """A Socket.IO board on the long-polling transport only: each poll is a new HTTP request."""

    def __init__(self, url: str) -> None:
        self.calls: list[str] = []
        self.seen = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("ticket_called", self._called)
        self.client.connect(url, transports=["polling"], wait_timeout=10)

    def _called(self, data=None):
        with self.seen:
            self.calls.append((data or {}).get("number"))
            self.seen.notify_all()

    def subscribe(self) -> dict:
        return self.client.call("subscribe", {"hall": "xiqu"}, timeout=10)

    def wait_for_call(self, number: str) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: number in self.calls, timeout=EVENT_TIMEOUT_S)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def test_clients_stick_to_a_server_and_events_cross_servers(behind_nginx):
    """Does each client address stay on one server, do both servers get clients, does a long-polling board
    through nginx get the calls made on A and on B, and do rate limits count per real client?"""
    nginx, server_a, server_b = behind_nginx
    for _ in range(3):
        for source in SOURCES:
            status, _ = call(nginx.url, "GET", "/api/v1/halls", source=source)
            assert status == 200
    upstreams = defaultdict(set)
    for client, upstream, _status in nginx.upstream_of():
        upstreams[client].add(upstream)
    assert set(upstreams) == set(SOURCES), upstreams
    assert all(len(servers_of) == 1 for servers_of in upstreams.values()), upstreams
    assert len(set().union(*upstreams.values())) == 2, f"every client went to one server: {upstreams}"

    board = PollingBoard(nginx.url)
    try:
        board.subscribe()
        token_a, token_b = server_a.token("clerk1"), server_b.token("clerk2")
        window_a, window_b = open_window(server_a, token_a, 1), open_window(server_b, token_b, 2)
        for number, server, token, window in (
            ("A001", server_a, token_a, window_a),
            ("A002", server_b, token_b, window_b),
        ):
            status, ticket = call(
                nginx.url, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"}, source=SOURCES[0]
            )
            assert status == 201 and ticket["number"] == number, ticket
            status, called = server.call("POST", f"/api/v1/windows/{window}/call-next", token=token)
            assert status == 200 and called["number"] == number, called
            assert board.wait_for_call(number), f"{number} called on {server.url} never reached the board"
    finally:
        board.close()

    # SOURCES[0] has taken two tickets: one more, then 429; another client is not limited by it.
    assert (
        call(nginx.url, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"}, source=SOURCES[0])[0] == 201
    )
    status, refused = call(
        nginx.url, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"}, source=SOURCES[0]
    )
    assert status == 429 and refused["error"]["code"] == "rate_limited", refused
    assert (
        call(nginx.url, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"}, source=SOURCES[1])[0] == 201
    )


def test_a_dead_server_leaves_the_clients_to_the_other(behind_nginx):
    """Kill one server: do requests from every client address still answer, and does a new board connect?"""
    nginx, server_a, _server_b = behind_nginx
    server_a.stop()
    started = time.monotonic()
    for source in SOURCES:
        status, halls = call(nginx.url, "GET", "/api/v1/halls", source=source)
        assert status == 200 and any(hall["code"] == "xiqu" for hall in halls), (source, status, halls)
    print(f"\n{len(SOURCES)} clients served after A died in {time.monotonic() - started:.2f} s")
    board = PollingBoard(nginx.url)
    try:
        assert board.subscribe()["seq"] >= 0
    finally:
        board.close()


def test_screens_on_servers_of_their_own_get_the_calls_made_on_the_api_servers(
    database,  # noqa: F811
    shared_redis,  # noqa: F811
    servers,  # noqa: F811
):
    """With /socket.io/ sent to a Socket.IO server of its own (wuban_realtime), does a board there get the
    calls made through nginx on the API servers, while the API servers hold no screen at all?"""
    if PrivateNginx.binary() is None:
        service_missing("nginx", "binary not found (apt-get install nginx-light)")
    api_a = servers.start(database, "eventlet", shared_redis, PROXY_HOPS=1)
    api_b = servers.start(database, "eventlet", shared_redis, PROXY_HOPS=1)
    screens = servers.start(database, "eventlet", shared_redis, PROXY_HOPS=1)
    nginx = PrivateNginx([api_a.port, api_b.port], realtime_ports=[screens.port]).start()
    board = None
    try:
        board = PollingBoard(nginx.url)
        board.subscribe()
        token = api_a.token("clerk1")
        window = open_window(api_a, token, 1)
        for number, source in (("A001", SOURCES[0]), ("A002", SOURCES[1])):
            status, ticket = call(
                nginx.url, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"}, source=source
            )
            assert status == 201 and ticket["number"] == number, ticket
            status, called = call(
                nginx.url, "POST", f"/api/v1/windows/{window}/call-next", token=token, source=source
            )
            assert status == 200 and called["number"] == number, called
            assert board.wait_for_call(number), f"{number} never reached the board on the Socket.IO server"
            status, _ = call(nginx.url, "POST", f"/api/v1/tickets/{called['id']}/no_show", token=token)
            assert status == 200  # the window holds one ticket at a time
        by_upstream = defaultdict(list)
        for _client, upstream, _status in nginx.upstream_of():
            by_upstream[upstream.rsplit(":", 1)[-1]].append(upstream)
        assert str(screens.port) in by_upstream  # the board's polls
        assert by_upstream.keys() - {str(screens.port)}, "no API request reached the API servers"
    finally:
        if board is not None:
            board.close()
        nginx.stop()
