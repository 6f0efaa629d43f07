"""Race tests on the real databases: concurrent callers and kiosks, each in its own thread and connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from queue_server.extensions import db
from queue_server.queue.models import Hall, Queue, Window

CALLERS = 10
KIOSKS = 8


@pytest.fixture
def windows(app, api) -> list[int]:
    """Let the first 10 windows all serve 商事登记, open them, and undo it afterwards."""
    with app.app_context():
        queue = db.session.scalar(db.select(Queue).where(Queue.code == "shsd"))
        # The demo hall's windows: the demo city's halls number theirs from 1 too.
        chosen = db.session.scalars(
            db.select(Window).join(Hall).where(Hall.code == "xiqu").order_by(Window.number).limit(CALLERS)
        ).all()
        added = [window.id for window in chosen if queue not in window.queues]
        for window in chosen:
            if window.id in added:
                window.queues.append(queue)
        db.session.commit()
        numbers = [window.number for window in chosen]
    yield [api.open_window(number, as_user="admin") for number in numbers]
    with app.app_context():
        queue = db.session.scalar(db.select(Queue).where(Queue.code == "shsd"))
        for window in db.session.scalars(db.select(Window).where(Window.id.in_(added))).all():
            window.queues.remove(queue)
        db.session.commit()


def _issue(app, count: int, start: threading.Barrier, priority_every: int = 0) -> list[dict]:
    client, issued = app.test_client(), []
    start.wait()
    for index in range(count):
        body = {"queue": "shsd"}
        if priority_every and index % priority_every == 0:
            body |= {"priority": "priority", "priority_reason": "老年人"}
        answer = client.post("/api/v1/halls/xiqu/tickets", json=body)
        assert answer.status_code == 201, answer.get_json()
        issued.append(answer.get_json())
    return issued


def _call_until_empty(
    app, window_id: int, headers: dict, start: threading.Barrier, kiosks_done: threading.Event
) -> list[dict]:
    client, called = app.test_client(), []

    def call() -> bool:
        answer = client.post(f"/api/v1/windows/{window_id}/call-next", headers=headers)
        if answer.status_code == 204:
            return False
        assert answer.status_code == 200, answer.get_json()
        called.append(answer.get_json())
        # The window holds one ticket at a time: let it go before calling the next one.
        released = client.post(f"/api/v1/tickets/{called[-1]['id']}/no_show", headers=headers)
        assert released.status_code == 200, released.get_json()
        return True

    start.wait()
    while True:
        # Once the kiosks finished, one more try, so a ticket issued at the end is not left.
        if not call() and kiosks_done.is_set() and not call():
            return called


def test_concurrent_kiosks_never_share_a_number(app, api):
    """Do 8 kiosks issuing at once get unique, gap-free numbers?"""
    start = threading.Barrier(KIOSKS)
    with ThreadPoolExecutor(KIOSKS) as pool:
        batches = list(pool.map(lambda _: _issue(app, 25, start), range(KIOSKS)))
    numbers = sorted(ticket["number"] for batch in batches for ticket in batch)
    assert numbers == [f"A{n:03d}" for n in range(1, KIOSKS * 25 + 1)]


def test_concurrent_callers_never_share_or_skip_a_ticket(app, api, windows):
    """Do 10 windows calling at once each get different tickets, all of them, each window in line order?"""
    issued = _issue(app, 150, threading.Barrier(1), priority_every=7)
    headers = api.headers("admin")
    start, done = threading.Barrier(CALLERS), threading.Event()
    done.set()
    with ThreadPoolExecutor(CALLERS) as pool:
        per_window = list(pool.map(lambda w: _call_until_empty(app, w, headers, start, done), windows))

    called_ids = [ticket["id"] for calls in per_window for ticket in calls]
    assert len(called_ids) == len(set(called_ids)), "a ticket was handed to two windows"
    assert set(called_ids) == {ticket["id"] for ticket in issued}, "a ticket was never called"
    # Each window's own calls follow the line: priority first, then issue order.
    rank = {t["id"]: (t["priority"] != "priority", t["id"]) for t in issued}
    for calls in per_window:
        keys = [rank[ticket["id"]] for ticket in calls]
        assert keys == sorted(keys)
    assert sum(len(calls) > 0 for calls in per_window) > 1  # the race really had several winners


def test_callers_and_kiosks_at_once(app, api, windows):
    """With 8 kiosks issuing while 10 windows call, is every ticket called exactly once?"""
    headers = api.headers("admin")
    start, kiosks_done = threading.Barrier(CALLERS + KIOSKS), threading.Event()
    with ThreadPoolExecutor(CALLERS + KIOSKS) as pool:
        callers = [pool.submit(_call_until_empty, app, w, headers, start, kiosks_done) for w in windows]
        kiosks = [pool.submit(_issue, app, 15, start) for _ in range(KIOSKS)]
        issued = [ticket for kiosk in kiosks for ticket in kiosk.result()]
        kiosks_done.set()
        called = [ticket for caller in callers for ticket in caller.result()]
    called_ids = [ticket["id"] for ticket in called]
    assert len(called_ids) == len(set(called_ids))
    assert set(called_ids) == {ticket["id"] for ticket in issued}
    board = api.get("/halls/xiqu/queues").get_json()
    assert next(queue for queue in board if queue["code"] == "shsd")["waiting"] == 0
