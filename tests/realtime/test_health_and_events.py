"""Health check, and events sent after the commit with a per-hall seq, in one process and through Redis."""

from queue_server.realtime.seq import current_seq
from tests.conftest import _make_app


def test_healthz_without_redis(client):
    """Does /healthz say the database is up and Redis is off when none is configured?"""
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "redis": "off"}


def test_healthz_with_redis(database_url, redis_url):
    """Does /healthz see the real Redis, and say down for one that is not there?"""
    up = _make_app(database_url, {"REDIS_URL": redis_url})
    assert up.test_client().get("/healthz").get_json()["redis"] == "ok"
    down = _make_app(database_url, {"REDIS_URL": "redis://127.0.0.1:1/0"})
    answer = down.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.get_json()["redis"] == "down"


def test_events_after_commit_with_growing_seq(app, api, monkeypatch):
    """Are ticket_called and queue_updated sent after the commit, seq growing by one across both?"""
    sent = []
    monkeypatch.setattr(
        "queue_server.realtime.events.socketio.emit",
        lambda name, payload, to: sent.append((name, payload, to)),
    )
    ticket = api.take("shsd")
    window = api.open_window(1)
    api.post(f"/windows/{window}/call-next", as_user="clerk1")
    notices = [(name, payload) for name, payload, _ in sent if "seq" not in payload]
    sent = [event for event in sent if "seq" in event[1]]
    names = [name for name, _, _ in sent]
    assert names == ["queue_updated", "ticket_called", "queue_updated"]
    # No ticket_updated for the call: ticket_called tells every screen that already.
    assert [name for name, _ in notices] == ["window_updated"]
    assert notices[0][1]["window"]["status"] == "open"
    seqs = [payload["seq"] for _, payload, _ in sent]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    assert all(to == "hall:xiqu" for _, _, to in sent)
    assert sent[0][1] == {"hall": "xiqu", "queue": "shsd", "waiting": 1, "seq": seqs[0]}
    called = sent[1][1]
    assert (
        called["number"] == "A001"
        and called["announce"] == "请A001号到1号窗口办理"
        and called["window_number"] == 1
    )
    assert sent[2][1]["waiting"] == 0
    with app.app_context():
        assert current_seq("xiqu") == seqs[-1]
    assert api.get("/halls/xiqu/board").get_json()["seq"] == seqs[-1]

    # A change of state after the call is a notice (no seq) that the screens read.
    sent.clear()
    api.post(f"/tickets/{ticket['id']}/start", as_user="clerk1")
    assert [(name, payload) for name, payload, _ in sent if name == "ticket_updated"] == [
        (
            "ticket_updated",
            {
                "hall": "xiqu",
                "id": ticket["id"],
                "number": "A001",
                "queue": "shsd",
                "state": "serving",
                "window_number": 1,
            },
        )
    ]


def test_failed_request_sends_nothing(api, monkeypatch):
    """Does a request answered with an error send no event?"""
    sent = []
    monkeypatch.setattr(
        "queue_server.realtime.events.socketio.emit", lambda *args, **kwargs: sent.append(args)
    )
    api.post("/halls/xiqu/tickets", json={"queue": "nope"})
    ticket = api.take("shsd")
    sent.clear()
    api.post(f"/tickets/{ticket['id']}/finish", as_user="clerk1")  # 409
    assert sent == []


def test_seq_shared_through_redis(database_url, redis_url, monkeypatch):
    """With REDIS_URL, do two app instances (two workers) share one seq per hall?"""
    sent = []
    monkeypatch.setattr(
        "queue_server.realtime.events.socketio.emit", lambda name, payload, to: sent.append(payload["seq"])
    )
    from queue_server.calendar import clock
    from tests.conftest import HALL_MORNING

    clock.freeze(HALL_MORNING)
    try:
        first = _make_app(database_url, {"REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": "memory://"})
        second = _make_app(database_url, {"REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": "memory://"})
        for instance in (first, second, first):
            answer = instance.test_client().post("/api/v1/halls/xiqu/tickets", json={"queue": "shsw"})
            assert answer.status_code == 201
        assert sent == [sent[0], sent[0] + 1, sent[0] + 2]
        board = second.test_client().get("/api/v1/halls/xiqu/board").get_json()
        assert board["seq"] == sent[2]
    finally:
        clock.freeze(None)
