"""Realtime across real processes: gunicorn servers on one PostgreSQL database and one Redis message queue.

(a) An event made by one server reaches a Socket.IO client connected to another (eventlet and gevent).
(b) A Redis outage (a private redis-server, so the shared one is never stopped): the API keeps working
    and answers quickly, /healthz says redis down, a board that (re)subscribes gets the calls made
    meanwhile, and once Redis is back events flow between the servers again.

Timings are printed (run with -s to see them).
"""

import os
import threading
import time

import psycopg2
import pytest
import socketio

from tests.conftest import POSTGRES_URL, emptied_redis
from tests.live import LiveServer, private_redis_server, throwaway_postgres

# The message-queue tests' Redis database. Redis pub/sub channels ignore the db number, so servers of
# other test runs on the same Redis may add foreign events: the checks look for the events they expect.
SHARED_REDIS_URL = os.environ.get("TEST_REDIS_MQ_URL", "redis://127.0.0.1:6379/14")
EVENT_TIMEOUT_S = 5  # an event crossing processes must arrive within this
OUTAGE_REQUEST_LIMIT_S = 3  # each API request during a Redis outage must answer within this
OUTAGE_S = float(os.environ.get("TEST_REDIS_OUTAGE_S", 8))  # how long Redis stays down (at least)
RECOVERY_LIMIT_S = 75  # listener back-off is 1, 2, 4 … 60 s: events must flow again within this
WORKERS = ["eventlet", "gevent"]


# --- services ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_database():
    """A throw-away PostgreSQL database, migrated, with the demo hall; dropped at the end."""
    with throwaway_postgres("mp", POSTGRES_URL) as (_admin, _name, url):
        yield url


@pytest.fixture
def database(live_database):
    """The live database with no tickets and every window closed."""
    with psycopg2.connect(live_database, connect_timeout=3) as connection, connection.cursor() as cursor:
        for table in ("ticket_events", "tickets", "ticket_counters", "waiting_tallies"):
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("UPDATE windows SET status = 'closed', clerk_id = NULL")
    connection.close()
    return live_database


@pytest.fixture
def shared_redis():
    """The shared Redis (database 14), emptied before and after."""
    yield from emptied_redis(SHARED_REDIS_URL)


@pytest.fixture
def private_redis():
    with private_redis_server() as server:
        yield server


class Servers:
    """Start LiveServers and stop every one of them at the end, whatever happens."""

    def __init__(self) -> None:
        self.started: list[LiveServer] = []

    def start(self, database_url: str, worker: str, redis_url: str, **env) -> LiveServer:
        server = LiveServer(
            database_url,
            worker=worker,
            redis_url=redis_url,
            extra_env={key: str(value) for key, value in env.items()},
        )
        self.started.append(server)
        return server.start()

    def stop(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def servers():
    group = Servers()
    yield group
    group.stop()


# --- a Socket.IO board ------------------------------------------------------------------------------


class Board:
    """A python-socketio client (websocket transport) that records every event with its arrival time."""

    def __init__(self, server_url: str, token: str | None = None) -> None:
        self.events: list[tuple[float, str, dict]] = []
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.connect(
            server_url, transports=["websocket"], auth={"token": token} if token else None, wait_timeout=10
        )

    def _record(self, event, data=None):
        with self.lock:
            self.events.append((time.monotonic(), event, data if isinstance(data, dict) else {}))

    def subscribe(self, payload: dict | None = None) -> dict:
        return self.client.call("subscribe", payload or {"hall": "xiqu"}, timeout=10)

    def wait_for(
        self, name: str, timeout: float = EVENT_TIMEOUT_S, since: float = 0.0, **match
    ) -> tuple[float, dict] | None:
        """Wait for an event of this name, arrived after `since`, whose payload has these values;
        return (arrival, payload) or None."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                for arrived, event, payload in self.events:
                    if (
                        event == name
                        and arrived >= since
                        and all(payload.get(key) == value for key, value in match.items())
                    ):
                        return arrived, payload
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def names_of_calls(self) -> set[str]:
        with self.lock:
            return {payload.get("number") for _, event, payload in self.events if event == "ticket_called"}

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture
def boards():
    opened: list[Board] = []

    def open_board(server_url: str, token: str | None = None) -> Board:
        board = Board(server_url, token)
        opened.append(board)
        return board

    yield open_board
    for board in opened:
        board.close()


def request(server: LiveServer, method: str, path: str, body=None, token=None, timeout: float = 60):
    """LiveServer.call with a longer timeout (a request may take long while Redis hangs)."""
    return server.call(method, path, body, token, timeout=timeout)


def timed(server: LiveServer, method: str, path: str, body=None, token=None) -> tuple[int, object, float]:
    started = time.monotonic()
    status, answer = request(server, method, path, body, token)
    return status, answer, time.monotonic() - started


def open_window(server: LiveServer, token: str, number: int = 1) -> int:
    window = server.window_id(number, token)
    status, answer = server.call("POST", f"/api/v1/windows/{window}/status", {"status": "open"}, token)
    assert status == 200, answer
    return window


def release(server: LiveServer, ticket: dict, token: str) -> None:
    """Let a called ticket go (no-show): a window holds one ticket at a time."""
    status, answer = request(server, "POST", f"/api/v1/tickets/{ticket['id']}/no_show", token=token)
    assert status == 200, answer


def health(server: LiveServer) -> dict:
    status, answer = request(server, "GET", "/healthz")
    assert status in (200, 503), answer
    return answer


# --- (a) two servers, one Redis -----------------------------------------------------------------------


@pytest.mark.parametrize("worker", WORKERS)
def test_event_made_on_one_server_reaches_a_board_on_the_other(
    database, shared_redis, servers, boards, worker
):
    """Two gunicorn processes on one database and Redis: does a call through B reach a board on A in
    seconds, with the right number and seq, and a call through A reach a board on B?"""
    server_a = servers.start(database, worker, shared_redis)
    server_b = servers.start(database, worker, shared_redis)
    board_a, board_b = boards(server_a.url), boards(server_b.url)
    assert board_a.subscribe()["seq"] == board_b.subscribe()["seq"]

    token = server_b.token("clerk1")
    window = open_window(server_b, token)
    status, ticket, _ = timed(server_b, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})
    assert status == 201, ticket
    status, called, _ = timed(server_b, "POST", f"/api/v1/windows/{window}/call-next", token=token)
    committed = time.monotonic()  # the call's commit happened before its answer came back
    assert status == 200 and called["number"] == ticket["number"] == "A001", called

    # seq: one counter for the hall, whichever process sends; the queue_updated is the first event.
    issued = board_a.wait_for("queue_updated", queue="shsd", waiting=1, hall="xiqu")
    assert issued is not None, (
        f"B's queue_updated never reached the board on A ({worker}); see {server_a.log_path}"
    )
    start = issued[1]["seq"] - 1
    arrival = board_a.wait_for("ticket_called", number="A001", seq=start + 2, hall="xiqu")
    assert arrival is not None, (
        f"ticket_called of B's call never reached the board on A ({worker}); see {server_a.log_path}"
    )
    arrived, payload = arrival
    print(
        f"\n[{worker}] B→A ticket_called after {1000 * (arrived - committed):.1f} ms (from the call's answer)"
    )
    assert payload["window_number"] == 1 and payload["announce"] == "请A001号到1号窗口办理"
    assert board_a.wait_for("queue_updated", seq=start + 3, queue="shsd", waiting=0)
    assert board_b.wait_for("ticket_called", number="A001", seq=start + 2), "B's own board missed its call"

    # The other way round: a call through A reaches the board on B.
    token_a = server_a.token("clerk2")
    window_2 = open_window(server_a, token_a, 2)
    assert timed(server_a, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})[0] == 201
    status, called, _ = timed(server_a, "POST", f"/api/v1/windows/{window_2}/call-next", token=token_a)
    assert status == 200 and called["number"] == "A002"
    assert board_b.wait_for("ticket_called", number="A002", seq=start + 5, window_number=2), (
        f"A's call never reached the board on B; see {server_b.log_path}"
    )

    # The snapshot through either server agrees on seq and calls.
    for board in (board_a, board_b):
        snapshot = board.subscribe()
        assert snapshot["seq"] == start + 6
        assert [row["number"] for row in snapshot["calls"]] == ["A002", "A001"]


# --- (b) Redis outage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("worker", WORKERS)
def test_api_and_boards_survive_a_redis_outage(database, private_redis, servers, boards, worker):
    """Stop Redis under two servers: do calls still work and answer fast, does /healthz say down, does a
    board that subscribes get the calls made meanwhile, and do events cross processes again once Redis
    is back (the listener's back-off decides how soon)?"""
    server_a = servers.start(database, worker, private_redis.url)
    server_b = servers.start(database, worker, private_redis.url)
    board = boards(server_a.url)
    board.subscribe()
    token = server_b.token("clerk1")
    window = open_window(server_b, token)
    assert timed(server_b, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})[0] == 201
    status, called, _ = timed(server_b, "POST", f"/api/v1/windows/{window}/call-next", token=token)
    assert status == 200, called
    release(server_b, called, token)
    assert board.wait_for("ticket_called", number="A001"), "no event before the outage"
    last_seq_before = board.wait_for("queue_updated", waiting=0)[1]["seq"]

    private_redis.stop()
    stopped_at = time.monotonic()
    durations: dict[str, list[float]] = {}
    outage_calls = []
    for _round in range(3):
        for server in (server_b, server_a):
            status, ticket, took = timed(server, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})
            durations.setdefault("issue", []).append(took)
            assert status == 201, ticket
            status, called, took = timed(server, "POST", f"/api/v1/windows/{window}/call-next", token=token)
            durations.setdefault("call-next", []).append(took)
            assert status == 200 and called["number"] == ticket["number"], called
            outage_calls.append(called["number"])
            release(server, called, token)
    for server in (server_a, server_b):
        started = time.monotonic()
        body = health(server)
        durations.setdefault("healthz", []).append(time.monotonic() - started)
        assert body == {"status": "ok", "database": "ok", "redis": "down"}
        status, snapshot, took = timed(server, "GET", "/api/v1/halls/xiqu/board")
        durations.setdefault("board", []).append(took)
        assert status == 200 and outage_calls[-1] == snapshot["calls"][0]["number"]
    print(
        f"\n[{worker}] during the outage, slowest request per kind (ms): "
        + ", ".join(f"{kind} {1000 * max(values):.0f}" for kind, values in durations.items())
    )
    slow = {kind: max(values) for kind, values in durations.items() if max(values) > OUTAGE_REQUEST_LIMIT_S}
    assert not slow, f"requests took too long while Redis was down: {slow}"

    # A board that subscribes now (through either server) gets the calls made during the outage.
    fresh = boards(server_b.url)
    started = time.monotonic()
    snapshot = fresh.subscribe()
    assert time.monotonic() - started < OUTAGE_REQUEST_LIMIT_S
    assert set(outage_calls) <= {row["number"] for row in snapshot["calls"]}
    # The connected board heard none of them: with Redis down no event gets a seq, so none is sent.
    missed = set(outage_calls) - board.names_of_calls()
    print(
        f"[{worker}] the connected board missed {len(missed)} of {len(outage_calls)} outage calls "
        f"(it learns of them only by re-fetching the snapshot)"
    )

    # Redis comes back on the same port, empty (no persistence), after OUTAGE_S.
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped_at)))
    outage_s = time.monotonic() - stopped_at
    private_redis.start()
    back_at = time.monotonic()
    deadline = back_at + 15
    while health(server_a)["redis"] != "ok" or health(server_b)["redis"] != "ok":
        assert time.monotonic() < deadline, "healthz still says redis down 15 s after Redis returned"
        time.sleep(0.2)

    # Calls through B reach the board on A again once A's pub/sub listener has reconnected.
    flowing_at, tries = wait_until_flowing(board, server_b, back_at, RECOVERY_LIMIT_S)
    assert flowing_at is not None, (
        f"events from B never reached the board on A in {RECOVERY_LIMIT_S}s after Redis returned ({worker}); "
        f"see {server_a.log_path}"
    )
    print(
        f"[{worker}] outage {outage_s:.1f} s; "
        f"events B→A flowed again {flowing_at - back_at:.1f} s after Redis "
        f"returned ({tries} probe tickets)"
    )
    status, called, _ = timed(server_b, "POST", f"/api/v1/windows/{window}/call-next", token=token)
    assert status == 200
    assert board.wait_for("ticket_called", since=back_at, number=called["number"]), (
        "a call after the outage never arrived"
    )

    # Re-subscribing now also shows every call made during the outage.
    snapshot = board.subscribe()
    assert set(outage_calls) | {called["number"]} <= {row["number"] for row in snapshot["calls"]}
    assert snapshot["seq"] >= 1
    print(f"[{worker}] seq before the outage {last_seq_before}, after it {snapshot['seq']}")


def wait_until_flowing(
    board: Board, sender: LiveServer, since: float, limit_s: float
) -> tuple[float | None, int]:
    """Issue a ticket through `sender` every ~0.5 s until the board hears one; return (when, probes)."""
    probes = 0
    waiting_before = sum(
        q["waiting"] for q in request(sender, "GET", "/api/v1/halls/xiqu/queues")[1] if q["code"] == "shsd"
    )
    while time.monotonic() - since < limit_s:
        probes += 1
        assert timed(sender, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})[0] == 201
        if board.wait_for(
            "queue_updated", timeout=0.5, since=since, queue="shsd", waiting=waiting_before + probes
        ):
            return time.monotonic(), probes
    return None, probes


def test_events_flow_again_soon_after_a_long_outage(database, private_redis, servers, boards):
    """After a 20 s outage, do events cross processes again within 5 s of Redis returning?"""
    server_a = servers.start(database, "eventlet", private_redis.url)
    server_b = servers.start(database, "eventlet", private_redis.url)
    board = boards(server_a.url)
    board.subscribe()
    private_redis.stop()
    time.sleep(20)
    private_redis.start()
    back_at = time.monotonic()
    flowing_at, probes = wait_until_flowing(board, server_b, back_at, 30)
    took = None if flowing_at is None else flowing_at - back_at
    print(
        f"\n[eventlet, 20 s outage] events B→A flowed again after "
        f"{took if took is None else round(took, 1)} s ({probes} probes)"
    )
    assert took is not None and took < 5, f"events B→A resumed only after {took} s"


def test_seq_keeps_growing_across_a_redis_restart(database, private_redis, servers, boards):
    """After Redis restarts (empty), is the next event's seq still above every seq sent before?"""
    server = servers.start(database, "eventlet", private_redis.url)
    board = boards(server.url)
    board.subscribe()
    for _ in range(3):
        assert timed(server, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})[0] == 201
    before = board.wait_for("queue_updated", waiting=3)[1]["seq"]
    private_redis.stop()
    private_redis.start()
    deadline = time.monotonic() + 15
    while health(server)["redis"] != "ok":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert timed(server, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})[0] == 201
    after = board.wait_for("queue_updated", waiting=4)  # delivered locally by the same server
    assert after is not None
    assert after[1]["seq"] > before, f"seq went from {before} back to {after[1]['seq']} after the restart"


def test_rate_limited_endpoints_survive_a_redis_outage(database, private_redis, servers):
    """With rate limits on (production), do kiosks, boards and sign-in still work while Redis is down?"""
    server = servers.start(database, "eventlet", private_redis.url, RATELIMIT_ENABLED="true")
    assert timed(server, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})[0] == 201
    private_redis.stop()
    answers = {
        "issue": timed(server, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"}),
        "token": timed(server, "POST", "/api/v1/auth/token", {"username": "clerk1", "password": "demo"}),
        "board": timed(server, "GET", "/api/v1/halls/xiqu/board"),
    }
    print(
        "\n[rate limits on, Redis down] "
        + ", ".join(f"{k} {v[0]} in {1000 * v[2]:.0f} ms" for k, v in answers.items())
    )
    assert {kind: answer[0] for kind, answer in answers.items()} == {"issue": 201, "token": 200, "board": 200}


def test_requests_stay_quick_while_redis_hangs(database, private_redis, servers, boards):
    """With Redis frozen (not refusing, just silent), does every request still answer within a few seconds?"""
    server = servers.start(database, "eventlet", private_redis.url)
    token = server.token("clerk1")
    window = open_window(server, token)
    board = boards(server.url)
    board.subscribe()
    private_redis.freeze()
    took = {}
    try:
        status, ticket, took["issue"] = timed(server, "POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})
        assert status == 201
        status, called, took["call-next"] = timed(
            server, "POST", f"/api/v1/windows/{window}/call-next", token=token
        )
        assert status == 200 and called["number"] == ticket["number"]
        status, _, took["window status"] = timed(
            server, "POST", f"/api/v1/windows/{window}/status", {"status": "paused"}, token
        )
        assert status == 200
        started = time.monotonic()
        assert health(server)["redis"] == "down"
        took["healthz"] = time.monotonic() - started
        status, snapshot, took["board"] = timed(server, "GET", "/api/v1/halls/xiqu/board")
        assert status == 200 and snapshot["calls"][0]["number"] == ticket["number"]
    finally:
        private_redis.thaw()
    print(
        "\n[eventlet, Redis hung] " + ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in took.items())
    )
    slow = {kind: round(seconds, 1) for kind, seconds in took.items() if seconds > OUTAGE_REQUEST_LIMIT_S + 2}
    assert not slow, f"requests took too long while Redis hung: {slow}"
