"""SMS notifications: sent after the commit, through the log file or an HTTP gateway with retries."""

import json
import logging
import re
import socket
import threading
from contextlib import contextmanager
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from queue_server import outbox
from queue_server.extensions import db
from queue_server.notify.sms import TEMPLATES, deliver, flush, make_notifier, notify, render
from queue_server.realtime.events import send_committed  # events and SMS of committed changes

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13800138000"
WAIT_S = 10  # an upper bound for a hang, never a measured time


class StubGateway:
    """A local SMS gateway answering each POST with the next scripted status (then 200)."""

    def __init__(self, statuses=(), hold: threading.Event | None = None):
        self.statuses = list(statuses)
        self.hold = hold  # when set, each request waits for it before answering
        self.calls: list[dict] = []  # {status, body, headers}, in order of answer
        self.arrived = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.arrived.set()
                if gateway.hold is not None:
                    gateway.hold.wait(WAIT_S)
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                gateway.calls.append({"status": status, "body": body, "headers": dict(self.headers)})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status == 200 else b'{"error": "busy"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway_factory():
    made = []

    def make(statuses=(), hold=None):
        made.append(StubGateway(statuses, hold))
        return made[-1]

    yield make
    for gateway in made:
        gateway.close()


def use_gateway(app, url: str) -> None:
    app.config.update(NOTIFIER="http", SMS_GATEWAY_URL=url, SMS_GATEWAY_TOKEN="t0ken", SMS_BACKOFF_S=0)


def open_transaction() -> None:
    """Start the session's transaction, as an operation's flush would before it notifies."""
    db.session.execute(db.text("SELECT 1"))


@contextmanager
def committed(app):
    """Run the block in an open transaction of the app, then commit it and send what it let out."""
    with app.app_context():
        open_transaction()
        yield
        db.session.commit()
        send_committed()


# --- After the commit only -----------------------------------------------------------------------


def test_log_backend_writes_after_commit(app, sms):
    """Is the message written as one JSON line once the session commits, and not before?"""
    with app.app_context():
        open_transaction()
        notify(
            PHONE,
            "case_mailed",
            case_no="XQ20261130001",
            waybill_no="SF1234567890",
            hall_name="中山市西区行政服务中心",
        )
        send_committed()
        assert sms() == []
        db.session.commit()
        send_committed()
        send_committed()  # a second call sends nothing again
    [line] = sms()
    assert set(line) == {"at", "phone", "kind", "text"}
    assert line["phone"] == PHONE and line["kind"] == "case_mailed"
    assert (
        line["text"] == "【中山市西区行政服务中心】您的办件XQ20261130001已办结，结果已寄出，"
        "运单号SF1234567890，请留意查收。"
    )
    assert line["at"] == "2026-11-30T09:00:00+08:00"  # the frozen hall clock


def test_rollback_drops_the_message(app, sms):
    """Does a rolled-back change send nothing, even after a later commit?"""
    with app.app_context():
        open_transaction()
        notify(PHONE, "booking_cancelled", code="K7Q2M9")
        db.session.rollback()
        open_transaction()
        db.session.commit()
        send_committed()
    assert sms() == []


def test_savepoint_rollback_keeps_the_outer_message(app, sms):
    """Does rolling back a savepoint keep the message of the transaction that commits?"""
    with committed(app):
        notify(PHONE, "booking_cancelled", code="K7Q2M9")
        savepoint = db.session.begin_nested()
        savepoint.rollback()
    assert [line["kind"] for line in sms()] == ["booking_cancelled"]


def test_no_phone_no_message(app, sms):
    """Is a missing or blank phone ignored, while the kind is still checked?"""
    with committed(app):
        notify(None, "booking_cancelled", code="K7Q2M9")
        notify("  ", "booking_cancelled", code="K7Q2M9")
        with pytest.raises(ValueError, match="no_such_kind"):
            notify(None, "no_such_kind")
    assert sms() == []


def test_messages_keep_their_order(app, sms):
    """Do several messages of one commit go out in the order they were made?"""
    with committed(app):
        notify(PHONE, "booking_cancelled", code="A1")
        notify("13900139000", "booking_cancelled", code="B2")
    assert [(line["phone"], line["text"].split("预约码")[1]) for line in sms()] == [
        (PHONE, "A1）已取消。"),
        ("13900139000", "B2）已取消。"),
    ]


def test_notifier_none_and_a_bad_setting_never_raise(app, sms, caplog):
    """Does NOTIFIER=none drop messages, and does an unknown backend log instead of failing the request?"""
    for setting in ("none", "carrier-pigeon"):
        app.config["NOTIFIER"] = setting
        with committed(app):
            notify(PHONE, "booking_cancelled", code="K7Q2M9")
    assert sms() == []
    assert "carrier-pigeon" in caplog.text


def test_make_notifier_settings(app):
    """Does the log backend default to the instance folder, and does http insist on a gateway URL?"""
    app.config.update(NOTIFIER="log", NOTIFY_LOG_PATH=None)
    assert make_notifier(app).path == f"{app.instance_path}/notifications.log"
    app.config.update(NOTIFIER="http", SMS_GATEWAY_URL=None)
    with pytest.raises(ValueError, match="SMS_GATEWAY_URL"):
        make_notifier(app)


# --- The HTTP gateway ----------------------------------------------------------------------------


def send_one(app, phone=PHONE) -> str:
    """Queue one message, commit, hand it to the backend; return its text."""
    with app.app_context():
        open_transaction()
        notify(
            phone,
            "turn_near",
            number="A012",
            queue_name="社会事务",
            ahead=3,
            hall_name="中山市西区行政服务中心",
        )
        db.session.commit()
        [(fact, message)] = outbox.take_committed()
        assert fact == "sms"
        deliver([message])
    return message.text


def test_gateway_retries_5xx_until_accepted(app, gateway_factory):
    """After two 503 answers, is the message posted again and delivered once, with the right JSON?"""
    gateway = gateway_factory([503, 503])
    use_gateway(app, gateway.url)
    text = send_one(app)
    assert flush(WAIT_S)
    assert [call["status"] for call in gateway.calls] == [503, 503, 200]
    assert all(call["body"] == {"phone": PHONE, "text": text, "kind": "turn_near"} for call in gateway.calls)
    headers = [call["headers"] for call in gateway.calls]
    assert all(h["Authorization"] == "Bearer t0ken" for h in headers)
    assert len({h["Idempotency-Key"] for h in headers}) == 1  # the same message each time


def test_gateway_4xx_is_not_retried(app, gateway_factory, caplog):
    """Is a message the gateway refuses with 400 posted once only, and the refusal logged?"""
    gateway = gateway_factory([400])
    use_gateway(app, gateway.url)
    with caplog.at_level(logging.ERROR, logger="queue_server.notify.sms"):
        send_one(app)
        assert flush(WAIT_S)
    assert [call["status"] for call in gateway.calls] == [400]
    assert "HTTP 400" in caplog.text and "138****8000" in caplog.text and PHONE not in caplog.text


def test_gateway_down_is_logged_not_raised(app, caplog):
    """With nothing listening at the gateway's address, does the sender give up quietly and log it?"""
    with socket.socket() as probe:  # a port that was free a moment ago: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    use_gateway(app, f"http://127.0.0.1:{port}/sms")
    with caplog.at_level(logging.ERROR, logger="queue_server.notify.sms"):
        send_one(app)
        assert flush(WAIT_S)
    assert "not delivered after 4 attempts" in caplog.text


def test_gateway_is_called_off_the_request_path(app, gateway_factory):
    """Does send_committed return while the gateway is still answering?"""
    release = threading.Event()
    gateway = gateway_factory(hold=release)
    use_gateway(app, gateway.url)
    try:
        send_one(app)
        assert gateway.arrived.wait(WAIT_S)
        assert gateway.calls == []  # the gateway has not answered yet, and we are already back
    finally:
        release.set()
    assert flush(WAIT_S)
    assert [call["status"] for call in gateway.calls] == [200]


# --- Texts ---------------------------------------------------------------------------------------

SAMPLES = {
    "case_accepted": {
        "case_no": "XQ20261130001",
        "service_name": "食品经营许可",
        "deadline": date(2026, 12, 14),
    },
    "case_supplement": {
        "case_no": "XQ20261130001",
        "service_name": "食品经营许可",
        "missing": ["营业执照副本", "健康证明"],
    },
    "case_result_ready": {
        "case_no": "XQ20261130001",
        "service_name": "食品经营许可",
        "hall_name": "西区行政服务中心",
        "window": "5号窗口",
    },
    "case_mailed": {"case_no": "XQ20261130001", "waybill_no": "SF1234567890"},
    "case_not_accepted": {"case_no": "XQ20261130001", "reason": "不属于本机关职权范围"},
    "turn_near": {"number": "A012", "queue_name": "社会事务", "ahead": 3},
    "booking_confirmed": {
        "code": "K7Q2M9",
        "hall_name": "西区行政服务中心",
        "queue_name": "商事登记",
        "start": datetime(2026, 12, 1, 1, 30, tzinfo=UTC),
    },
    "booking_reminder": {
        "code": "K7Q2M9",
        "hall_name": "西区行政服务中心",
        "queue_name": "商事登记",
        "start": datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI),
    },
    "booking_cancelled": {
        "code": "K7Q2M9",
        "queue_name": "商事登记",
        "start": datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI),
    },
    "agent_requested": {"case_no": "XQ20261130001", "service_name": "食品经营许可"},
    "agent_visit_booked": {
        "case_no": "XQ20261130001",
        "service_name": "食品经营许可",
        "visit_at": datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI),
        "agent_name": "冯少华",
    },
    "consultation_answered": {"service_name": "食品经营许可", "answer": "需要带营业执照原件和复印件各一份。"},
    "rating_invited": {"number": "A012", "link": "https://qh.example.cn/t/42?k=" + "0" * 32},
    "case_rating_invited": {
        "case_no": "XQ20261130001",
        "link": "https://qh.example.cn/progress/XQ20261130001?k=" + "0" * 16,
    },
}


def test_every_kind_has_a_sample():
    assert set(SAMPLES) == set(TEMPLATES)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_kind_renders_chinese_with_its_params(kind):
    """Is each kind a short signed Chinese text that carries each parameter it was given?"""
    text = render(kind, signature="中山市西区行政服务中心", tz=SHANGHAI, **SAMPLES[kind])
    assert text.startswith("【中山市西区行政服务中心】") and text.endswith("。")
    assert re.search(r"[\u4e00-\u9fff]{4}", text[len("【中山市西区行政服务中心】") :])
    assert len(text) <= 120
    for name, value in SAMPLES[kind].items():
        if isinstance(value, datetime):
            assert "2026年12月1日 09:30" in text  # written in hall time
        elif isinstance(value, date):
            assert "2026年12月14日" in text
        elif isinstance(value, list):
            assert all(item in text for item in value)
        else:
            assert str(value) in text, name


def test_texts_read_right():
    """Do the texts read as a hall would send them?"""
    sign = {"signature": "中山市西区行政服务中心", "tz": SHANGHAI}
    assert render("case_accepted", **sign, **SAMPLES["case_accepted"]) == (
        "【中山市西区行政服务中心】您申请的食品经营许可已受理，办件编号XQ20261130001，承诺2026年12月14日前办结。"
        "可凭办件编号和手机号查询进度。"
    )
    assert (
        render("turn_near", **sign, number="A012", ahead=0)
        == "【中山市西区行政服务中心】您取的A012号即将叫号，请尽快回到大厅等候。"
    )
    assert render(
        "case_result_ready", **sign, case_no="X1", service_name="食品经营许可", hall_name="西区行政服务中心"
    ) == (
        "【中山市西区行政服务中心】您申请的食品经营许可（办件编号X1）已办结，请携带本人身份证件到西区行政服务中心统一出件窗口领取。"
    )
    assert (
        render("booking_cancelled", **sign, code="K7Q2M9")
        == "【中山市西区行政服务中心】您的预约（预约码K7Q2M9）已取消。"
    )


def test_long_lists_and_reasons_are_cut():
    """Does a long list of materials or a long reason keep the message short?"""
    sign = {"signature": "西区", "tz": SHANGHAI}
    materials = [f"材料{i}" for i in range(1, 9)]
    text = render("case_supplement", **sign, case_no="X1", service_name="食品经营许可", missing=materials)
    assert "材料5等8项，详见一次性告知书" in text and "材料6" not in text
    text = render("case_not_accepted", **sign, case_no="X1", reason="原因" * 50)
    assert "…" in text and len(text) < 100


def test_wrong_kind_or_params_are_programming_errors():
    """Does an unknown kind raise ValueError and a missing or unknown parameter TypeError?"""
    with pytest.raises(ValueError, match="case_rejected"):
        render("case_rejected", signature="西区", tz=SHANGHAI)
    with pytest.raises(TypeError):
        render("case_mailed", signature="西区", tz=SHANGHAI, case_no="X1")
    with pytest.raises(TypeError):
        render("case_mailed", signature="西区", tz=SHANGHAI, case_no="X1", waybill_no="SF1", waybil="typo")


def test_signature_from_config_or_hall(app, sms):
    """Is a message signed with SMS_SIGNATURE when set, else with the hall's name, else a default?"""
    with committed(app):
        notify(PHONE, "booking_cancelled", code="A1", hall_name="中山市西区行政服务中心")
        notify(PHONE, "booking_cancelled", code="A2")
        app.config["SMS_SIGNATURE"] = "中山政务"
        notify(PHONE, "booking_cancelled", code="A3", hall_name="中山市西区行政服务中心")
    assert [line["text"].split("】")[0] for line in sms()] == [
        "【中山市西区行政服务中心",
        "【政务服务中心",
        "【中山政务",
    ]
