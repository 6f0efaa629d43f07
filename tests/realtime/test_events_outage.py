"""Event numbering while the Redis of REDIS_URL cannot be reached (in one process; the live test with
real servers and a stopped Redis is tests/test_live_faults.py)."""

import pytest

from queue_server.calendar import clock
from queue_server.realtime import events
from tests.conftest import HALL_MORNING, _make_app

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def outage_app(database_url):
    clock.freeze(HALL_MORNING)
    yield _make_app(database_url, {"REDIS_URL": DEAD_REDIS, "RATELIMIT_STORAGE_URI": "memory://"})
    clock.freeze(None)


def test_events_still_reach_this_process_with_gap_seqs(outage_app, monkeypatch):
    """With Redis unreachable, does every numbered event still go out (locally), each seq at least two past
    the one before (a gap: boards re-read), and does the snapshot carry the last one?"""
    sent = []
    monkeypatch.setattr(
        "queue_server.realtime.events.socketio.emit",
        lambda name, payload, to=None, **kw: sent.append((name, payload, kw)),
    )
    client = outage_app.test_client()
    for queue in ("shsd", "shsd", "shsw"):
        assert client.post("/api/v1/halls/xiqu/tickets", json={"queue": queue}).status_code == 201
    numbered = [(name, payload) for name, payload, _ in sent if name in events.NUMBERED_EVENTS]
    assert [(payload["queue"], payload["waiting"]) for _, payload in numbered] == [
        ("shsd", 1),
        ("shsd", 2),
        ("shsw", 1),
    ]
    seqs = [payload["seq"] for _, payload in numbered]
    assert len(seqs) == 3
    assert all(later >= earlier + 2 for earlier, later in zip(seqs, seqs[1:], strict=False)), seqs
    assert all(kw.get("ignore_queue") for name, _, kw in sent if name in events.NUMBERED_EVENTS)
    snapshot = client.get("/api/v1/halls/xiqu/board").get_json()
    assert snapshot["seq"] == seqs[-1]
