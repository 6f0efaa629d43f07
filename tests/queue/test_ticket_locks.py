"""Ticket triggers under row locks, through the real server (gunicorn, eventlet) on SQLite and PostgreSQL.

Simultaneous requests come from OS threads over HTTP, as clerk screens send them: of ten `finish`
of one serving ticket exactly one fires (one 200, nine 409, one history row), and a double click on
call-next calls one citizen (a window holds one ticket; the second call answers 409 naming it).
"""

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import psycopg2
import pytest

from tests.conftest import POSTGRES_URL
from tests.live import LiveServer, prepare_database, throwaway_postgres

RACERS = 10


class Database:
    """The live server's database, read directly by the test."""

    def __init__(self, url: str) -> None:
        self.url = url

    def rows(self, query: str, *params) -> list[tuple]:
        if self.url.startswith("sqlite"):
            connection = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            try:
                return connection.execute(query.replace("%s", "?"), params).fetchall()
            finally:
                connection.close()
        with psycopg2.connect(self.url, connect_timeout=3) as connection, connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
        connection.close()
        return rows


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory):
    """A gunicorn server (one eventlet worker) on a fresh database of each backend, with the demo hall."""
    if request.param == "sqlite":
        database = nullcontext(
            (None, None, "sqlite:///" + str(tmp_path_factory.mktemp("locks") / "locks.sqlite3"))
        )
    else:
        database = throwaway_postgres("locks", POSTGRES_URL)
    with database as (_admin, _name, url):
        if request.param == "sqlite":
            prepare_database(url)
        server = LiveServer(url).start()
        try:
            yield server, Database(url)
        finally:
            server.stop()


def race(server: LiveServer, path: str, token: str) -> list[tuple[int, dict | None]]:
    """Send RACERS POSTs of one path at the same instant, each from its own thread; return the answers."""
    start = threading.Barrier(RACERS)

    def send(_):
        start.wait()
        return server.call("POST", path, token=token, timeout=30)

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(send, range(RACERS)))


def open_window(server: LiveServer, token: str, number: int) -> int:
    window = server.window_id(number, token)
    status, answer = server.call("POST", f"/api/v1/windows/{window}/status", {"status": "open"}, token)
    assert status == 200, answer
    return window


def take(server: LiveServer) -> dict:
    status, ticket = server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})
    assert status == 201, ticket
    return ticket


def test_simultaneous_finishes_of_one_ticket_fire_once(live):
    """Do 10 simultaneous finishes of one serving ticket give one 200, nine 409s and one history row?"""
    server, database = live
    token = server.token("clerk1")
    window = open_window(server, token, 1)
    ticket = take(server)
    status, called = server.call("POST", f"/api/v1/windows/{window}/call-next", token=token)
    assert status == 200 and called["id"] == ticket["id"], called
    assert server.call("POST", f"/api/v1/tickets/{ticket['id']}/start", token=token)[0] == 200

    answers = race(server, f"/api/v1/tickets/{ticket['id']}/finish", token)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * (RACERS - 1), answers
    refused = [body["error"] for status, body in answers if status == 409]
    assert all(
        error["code"] == "invalid_transition" and error["details"]["state"] == "done" for error in refused
    )
    finishes = database.rows(
        "SELECT count(*) FROM ticket_events WHERE ticket_id = %s AND trigger = 'finish'", ticket["id"]
    )
    assert finishes == [(1,)]


def test_double_click_on_call_next_calls_one_citizen(live):
    """Do 10 simultaneous call-next at one window call one ticket, the others answering 409 naming it?"""
    server, database = live
    token = server.token("clerk2")
    window = open_window(server, token, 2)
    waiting = [take(server) for _ in range(3)]

    answers = race(server, f"/api/v1/windows/{window}/call-next", token)

    called = [body for status, body in answers if status == 200]
    assert len(called) == 1, answers
    refused = [body["error"] for status, body in answers if status != 200]
    assert len(refused) == RACERS - 1 and all(error["code"] == "conflict" for error in refused), answers
    assert {(error["details"]["ticket"], error["details"]["number"]) for error in refused} == {
        (called[0]["id"], called[0]["number"])
    }
    assert called[0]["id"] == waiting[0]["id"]
    held = database.rows(
        "SELECT id FROM tickets WHERE window_id = %s AND state IN ('called', 'serving')", window
    )
    assert held == [(called[0]["id"],)]
    calls = database.rows(
        "SELECT count(*) FROM ticket_events WHERE trigger = 'call' AND window_id = %s", window
    )
    assert calls == [(1,)]
    _, queues = server.call("GET", "/api/v1/halls/xiqu/queues")
    assert next(queue for queue in queues if queue["code"] == "shsd")["waiting"] == 2
