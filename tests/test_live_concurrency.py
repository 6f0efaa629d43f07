"""The production server under concurrent kiosks and clerks, and with its database going away (issue #11).

gunicorn from gunicorn.conf.py, with eventlet and gevent, on SQLite and PostgreSQL: 8 kiosks and 8
clerks in threads over HTTP at once, with rate limiting on as installed (its in-memory counter starts a
timer that yields to another green thread; it did so while the request held SQLite's write lock, and
the worker froze in SQLite's busy handler). Every answer must be 201/200/204, every ticket called
exactly once, no number twice, and the server log free of locked databases, timeouts and tracebacks.

On PostgreSQL the connections are cut and refused mid-run: answers are 201 or 503 ``unavailable``
with Retry-After, never a 500 or a reset, and the server recovers by itself.
"""

import shutil
import threading
import time
from collections import Counter

import psycopg2
import pytest
import requests
from psycopg2 import sql

from tests.conftest import POSTGRES_URL
from tests.live import LiveServer, prepare_database, throwaway_postgres

KIOSKS, CLERKS, TICKETS_PER_KIOSK = 8, 8, 12
QUEUES = ["shsd", "shsw", "rsyb"]
# The windows that serve those queues, and who staffs each.
WINDOWS = [
    (1, "clerk1"),
    (2, "clerk2"),
    (3, "clerk3"),
    (4, "clerk4"),
    (5, "clerk5"),
    (6, "clerk6"),
    (7, "admin"),
    (13, "admin"),
]
# Rate limiting stays on (its code path is what yielded), with limits no test run reaches.
LIMITS = {
    "RATELIMIT_ENABLED": "true",
    "RATELIMIT_TICKETS": "100000/minute",
    "RATELIMIT_PUBLIC": "100000/minute",
    "RATELIMIT_LOGIN": "100000/minute",
}
LOG_FAILURES = ("database is locked", "WORKER TIMEOUT", "Traceback", "internal_error")


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file with the demo hall, copied for each test."""
    path = tmp_path_factory.mktemp("live-sqlite") / "template.sqlite3"
    prepare_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def postgres_live():
    """A throw-away PostgreSQL database with the demo hall for this module; dropped at the end."""
    with throwaway_postgres("live", POSTGRES_URL) as (admin, name, url):
        yield admin, name, url


def _empty_postgres(url: str) -> None:
    with psycopg2.connect(url, connect_timeout=3) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row[0] for row in cursor.fetchall()}
        for table in ("idempotency_keys", "ticket_events", "tickets", "ticket_counters", "waiting_tallies"):
            if table in tables:
                cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
        cursor.execute("UPDATE windows SET status = 'closed', clerk_id = NULL")
    connection.close()


@pytest.fixture
def database(request, tmp_path):
    """The URL of a fresh database with the demo hall, on the backend the test names."""
    if request.param == "sqlite":
        path = tmp_path / "hall.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    _, _, url = request.getfixturevalue("postgres_live")
    _empty_postgres(url)
    return url


class Client:
    """One screen's HTTP connection (kept alive, as a kiosk's browser keeps it)."""

    def __init__(self, server: LiveServer, token: str | None = None) -> None:
        self.base = server.url + "/api/v1"
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return self.http.post(self.base + path, json=body if body is not None else {}, timeout=30)


def _start_server(database_url: str, worker: str, workers: int, **env) -> LiveServer:
    return LiveServer(
        database_url, worker=worker, extra_env={**LIMITS, "WEB_CONCURRENCY": str(workers), **env}
    ).start(timeout=60)


def _open_windows(server: LiveServer) -> list[Client]:
    """Sign each clerk in and open their window; return one client per window."""
    tokens = {username: server.token(username) for username in {user for _, user in WINDOWS}}
    clerks = []
    for number, username in WINDOWS:
        client = Client(server, tokens[username])
        window_id = server.window_id(number, tokens[username])
        answer = client.post(f"/windows/{window_id}/status", {"status": "open"})
        assert answer.status_code == 200, answer.text
        client.window_id = window_id
        clerks.append(client)
    return clerks


def _log_failures(server: LiveServer) -> dict[str, int]:
    text = server.log_path.read_text(errors="replace")
    return {needle: text.count(needle) for needle in LOG_FAILURES if needle in text}


@pytest.mark.parametrize(
    ("database", "worker", "workers"),
    [
        ("sqlite", "eventlet", 1),
        ("sqlite", "gevent", 1),
        ("sqlite", "eventlet", 2),
        ("postgresql", "eventlet", 1),
        ("postgresql", "gevent", 1),
    ],
    indirect=["database"],
    ids=[
        "sqlite-eventlet",
        "sqlite-gevent",
        "sqlite-eventlet-2workers",
        "postgresql-eventlet",
        "postgresql-gevent",
    ],
)
def test_kiosks_and_clerks_at_once(database, worker, workers):
    server = _start_server(database, worker, workers)
    try:
        clerks = _open_windows(server)
        statuses: Counter = Counter()
        issued: dict[int, str] = {}
        called: list[int] = []
        kiosks_done = threading.Event()
        lock = threading.Lock()

        def kiosk(index: int) -> None:
            client = Client(server)
            for n in range(TICKETS_PER_KIOSK):
                answer = client.post("/halls/xiqu/tickets", {"queue": QUEUES[(index + n) % len(QUEUES)]})
                with lock:
                    statuses[answer.status_code] += 1
                    if answer.status_code == 201:
                        issued[answer.json()["id"]] = answer.json()["number"]

        def clerk(client: Client) -> None:
            idle_since = None
            while True:
                answer = client.post(f"/windows/{client.window_id}/call-next")
                with lock:
                    statuses[answer.status_code] += 1
                if answer.status_code == 200:
                    idle_since = None
                    ticket_id = answer.json()["id"]
                    with lock:
                        called.append(ticket_id)
                    for step in ("start", "finish"):
                        done = client.post(f"/tickets/{ticket_id}/{step}")
                        with lock:
                            statuses[done.status_code] += 1
                elif answer.status_code == 204:
                    if kiosks_done.is_set():
                        idle_since = idle_since or time.monotonic()
                        if (
                            time.monotonic() - idle_since > 0.5
                        ):  # every kiosk done, the line empty for a while
                            return
                    time.sleep(0.01)
                else:
                    return  # an error: counted above, and the test fails on it

        kiosk_threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(KIOSKS)]
        clerk_threads = [threading.Thread(target=clerk, args=(client,)) for client in clerks]
        started = time.monotonic()
        for thread in kiosk_threads + clerk_threads:
            thread.start()
        for thread in kiosk_threads:
            thread.join(120)
        kiosks_done.set()
        for thread in clerk_threads:
            thread.join(120)
        elapsed = time.monotonic() - started
        print(f"\n{database.split(':')[0]} {worker}×{workers}: {dict(statuses)} in {elapsed:.1f}s")

        assert set(statuses) <= {200, 201, 204}, f"unexpected answers: {dict(statuses)}"
        assert len(issued) == KIOSKS * TICKETS_PER_KIOSK
        assert len(set(issued.values())) == len(issued), "a number was handed out twice"
        assert Counter(called) == Counter(issued.keys()), "not every ticket was called exactly once"
        assert not _log_failures(server), _log_failures(server)
    finally:
        server.stop()


def _postgres_outage(admin, name: str, refuse_s: float) -> None:
    """Cut the server's connections, refuse new ones for a while, then let them in again."""
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    time.sleep(refuse_s)
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("worker", ["eventlet", "gevent"])
def test_database_cut_and_refused_mid_run(database, worker, postgres_live):
    admin, name, _ = postgres_live
    server = _start_server(database, worker, 1)
    try:
        answers: list[tuple[float, int, str | None, str | None]] = []  # (at, status, error code, Retry-After)
        stop = threading.Event()
        issued: dict[int, str] = {}
        lock = threading.Lock()

        def kiosk(index: int) -> None:
            client = Client(server)
            n = 0
            while not stop.is_set():
                try:
                    answer = client.post("/halls/xiqu/tickets", {"queue": QUEUES[(index + n) % len(QUEUES)]})
                except requests.ConnectionError as exc:  # a reset connection: never acceptable
                    with lock:
                        answers.append((time.monotonic(), -1, type(exc).__name__, None))
                    continue
                n += 1
                body = answer.json()
                with lock:
                    answers.append(
                        (
                            time.monotonic(),
                            answer.status_code,
                            body.get("error", {}).get("code"),
                            answer.headers.get("Retry-After"),
                        )
                    )
                    if answer.status_code == 201:
                        issued[body["id"]] = body["number"]
                time.sleep(0.02)

        threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        outage_started = time.monotonic()
        _postgres_outage(admin, name, refuse_s=2.0)
        outage_ended = time.monotonic()
        time.sleep(3.0)
        stop.set()
        for thread in threads:
            thread.join(60)

        statuses = Counter(status for _, status, _, _ in answers)
        print(f"\npostgresql {worker} outage: {dict(statuses)}")
        assert set(statuses) <= {201, 503}, f"unexpected answers: {dict(statuses)}"
        unavailable = [answer for answer in answers if answer[1] == 503]
        assert unavailable, "no request met the outage"
        assert all(code == "unavailable" and retry for _, _, code, retry in unavailable)
        assert all(outage_started - 0.5 <= at <= outage_ended + 2.0 for at, *_ in unavailable), (
            "503s went on after the database came back"
        )
        assert any(status == 201 and at > outage_ended + 1.0 for at, status, _, _ in answers), "no recovery"
        # Nothing half-written: every ticket answered 201 is there once, with its own number.
        with psycopg2.connect(database, connect_timeout=3) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT id, number FROM tickets")
            stored = dict(cursor.fetchall())
        connection.close()
        assert {ticket_id: stored.get(ticket_id) for ticket_id in issued} == issued
        assert len(set(stored.values())) == len(stored), "a number was handed out twice"
        log = server.log_path.read_text(errors="replace")
        assert "Traceback" not in log and "WORKER TIMEOUT" not in log
        assert "database unavailable" in log  # one line per refused request names the cause
    finally:
        server.stop()


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_held_lock_and_full_pool_answer_503_in_seconds(database):
    server = _start_server(
        database, "eventlet", 1, DB_LOCK_TIMEOUT_S="2", DB_POOL_SIZE="1", DB_POOL_TIMEOUT_S="0.5"
    )
    blocker = psycopg2.connect(database, connect_timeout=3)
    try:
        kiosk = Client(server)
        assert kiosk.post("/halls/xiqu/tickets", {"queue": "shsd"}).status_code == 201
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE ticket_counters IN ACCESS EXCLUSIVE MODE")
            blocked: dict = {}

            def take_blocked_ticket() -> None:
                started = time.monotonic()
                blocked["answer"] = Client(server).post("/halls/xiqu/tickets", {"queue": "shsd"})
                blocked["waited"] = time.monotonic() - started

            thread = threading.Thread(target=take_blocked_ticket)
            thread.start()
            time.sleep(0.5)  # that request now holds the worker's only connection, waiting for the lock
            started = time.monotonic()
            no_connection = kiosk.post("/halls/xiqu/tickets", {"queue": "shsd"})
            waited_for_pool = time.monotonic() - started
            thread.join(30)
        blocker.rollback()
        for answer in (blocked["answer"], no_connection):
            assert answer.status_code == 503 and answer.json()["error"]["code"] == "unavailable"
            assert int(answer.headers["Retry-After"]) > 0
        assert blocked["waited"] < 5, f"the request waited {blocked['waited']:.1f}s behind the lock"
        assert waited_for_pool < 5, f"the request waited {waited_for_pool:.1f}s for a connection"
        after = kiosk.post("/halls/xiqu/tickets", {"queue": "shsd"})
        assert after.status_code == 201 and after.json()["number"] == "A002"  # the refused ones took none
        log = server.log_path.read_text(errors="replace")
        assert "Traceback" not in log and log.count("database unavailable on") == 2
    finally:
        blocker.close()
        server.stop()
