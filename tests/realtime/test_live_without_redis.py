"""The default install, live without Redis: the server runs the scheduler's timers itself.

A real gunicorn server (eventlet, as run.sh starts it) without REDIS_URL, on SQLite and on PostgreSQL:
(a) a case's time-limit alert, raised by the timers inside the server, reaches a supervisor's Socket.IO
client at once; (b) a new rating reaches a supervisor's client, and never a public board's.
"""

import threading
import time
from datetime import timedelta

import pytest
import socketio
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from queue_server.config import database_url
from tests.conftest import POSTGRES_URL
from tests.live import LiveServer, prepare_database, throwaway_postgres

EVENT_TIMEOUT_S = 15  # the timers sweep every second here; the first sweep waits for the server's start
APPLICANT = {"name": "张三", "id_number": "110101199003074514", "phone": "13800138000"}


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request, tmp_path):
    """A server without Redis whose timers sweep every second; stopped at the end."""
    env = {"SCHEDULER_IN_SERVER": "auto", "SCHEDULER_INTERVAL_S": "1", "NOTIFIER": "none"}
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path / "live.sqlite3")
        prepare_database(url)
        live = LiveServer(url, extra_env=env).start()
        yield live
        live.stop()
        return
    with throwaway_postgres("nored", POSTGRES_URL) as (_admin, _name, url):
        live = LiveServer(url, extra_env=env).start()
        yield live
        live.stop()


class Listener:
    """A Socket.IO client subscribed to hall xiqu (as a signed-in supervisor when given a token)."""

    def __init__(self, server: LiveServer, token: str | None = None) -> None:
        self.received: list[tuple[str, dict]] = []
        self.arrived = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._on_event)
        self.client.connect(
            server.url, transports=["websocket"], auth={"token": token} if token else None, wait_timeout=10
        )
        ack = self.client.call("subscribe", {"hall": "xiqu"}, timeout=10)
        assert "error" not in ack, ack

    def _on_event(self, name: str, payload: dict) -> None:
        with self.arrived:
            self.received.append((name, payload))
            self.arrived.notify_all()

    def wait_for(self, name: str, match, timeout: float = EVENT_TIMEOUT_S) -> dict:
        """Return the first event `name` whose payload matches; fail after timeout seconds."""

        def found():
            return next((payload for got, payload in self.received if got == name and match(payload)), None)

        with self.arrived:
            assert self.arrived.wait_for(found, timeout), f"no {name} in {timeout}s; got {self.received}"
            return found()

    def names(self) -> list[str]:
        with self.arrived:
            return [name for name, _ in self.received]

    def close(self) -> None:
        self.client.disconnect()


def api(server: LiveServer, method: str, path: str, body: dict | None = None, token: str | None = None):
    status, answer = server.call(method, "/api/v1" + path, body, token=token)
    assert status < 300, (method, path, status, answer)
    return answer


def backdate_acceptance(server: LiveServer, case_no: str, days: int) -> None:
    """Move a case's acceptance back, as if it had been running for `days` days."""
    import queue_server.models  # noqa: F401 - every model, for the relationships
    from queue_server.cases.models import Case

    engine = create_engine(database_url(server.database_url))
    try:
        with Session(engine) as session, session.begin():
            case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
            case.accepted_at -= timedelta(days=days)
    finally:
        engine.dispose()


def test_a_time_limit_alert_reaches_the_supervisor_without_redis(server):
    """Does a case turning red, seen by the timers inside the server, reach a supervisor's screen at once?"""
    supervisor = Listener(server, server.token("supervisor1"))
    try:
        clerk = server.token("clerk1")
        case = api(
            server,
            "POST",
            "/cases",
            {
                "service": "SCJG-006",
                "hall": "xiqu",
                "mode": "once",
                "applicant": APPLICANT,
                "delivery": {"method": "mail", "address": "广东省中山市西区富华道1号"},
            },
            token=clerk,
        )
        api(server, "POST", f"/cases/{case['case_no']}/transitions", {"trigger": "accept"}, token=clerk)
        backdate_acceptance(server, case["case_no"], days=60)
        started = time.monotonic()

        alert = supervisor.wait_for("case_alert", lambda event: event["case_no"] == case["case_no"])
        assert alert["light"] == "red" and alert["previous_light"] == "green", alert
        assert time.monotonic() - started < EVENT_TIMEOUT_S
        alerts = api(server, "GET", "/halls/xiqu/alerts", token=server.token("supervisor1"))
        assert [item["id"] for item in alerts if item["case_no"] == case["case_no"]] == [alert["id"]]
    finally:
        supervisor.close()


def test_a_new_rating_reaches_the_supervisor(server):
    """Is a new rating a live event for a supervisor's screen, and for no public board?"""
    supervisor = Listener(server, server.token("supervisor1"))
    board = Listener(server)
    try:
        clerk = server.token("clerk1")
        window_id = server.window_id(1, clerk)
        api(server, "POST", f"/windows/{window_id}/status", {"status": "open"}, token=clerk)
        ticket = api(server, "POST", "/halls/xiqu/tickets", {"queue": "shsd"})
        called = api(server, "POST", f"/windows/{window_id}/call-next", token=clerk)
        assert called["id"] == ticket["id"]
        api(server, "POST", f"/tickets/{ticket['id']}/start", token=clerk)
        api(server, "POST", f"/tickets/{ticket['id']}/finish", token=clerk)
        proof = {"token": ticket["rating_token"]} if ticket.get("rating_token") else {}
        rating = api(
            server,
            "POST",
            "/ratings",
            {"ticket_id": ticket["id"], "grade": 1, "comment": "等候时间太长", **proof},
        )

        event = supervisor.wait_for("rating_added", lambda payload: payload["id"] == rating["id"])
        assert event == rating  # the notice carries what POST /ratings answered
        assert event["hall"] == "xiqu" and event["bad"] is True and event["rectification"] is not None
        board.wait_for(
            "ticket_updated", lambda payload: payload["id"] == ticket["id"] and payload["state"] == "done"
        )
        time.sleep(1)  # the rating was sent after the ticket's events: a board would have it by now
        assert "rating_added" not in board.names()
    finally:
        supervisor.close()
        board.close()
