"""SMS to applicants: the one module through which text messages go out.

Operations call ``notify(phone, kind, **params)`` while they work; the message is rendered at once
(so a wrong kind or parameter fails in the operation) and recorded in the outbox
(``queue_server/outbox.py``) as the fact ``("sms", message)``: a rollback drops it, and once the
transaction commits the realtime package hands it to ``deliver`` with the request's events, after the
answer (``realtime.events.send_after_response``, or ``send_committed`` after a scheduler's commit).
The backend is chosen by ``NOTIFIER``: ``log`` appends a JSON line per message to a file (development),
``http`` posts to an SMS gateway in a background task with retries, ``none`` drops them.
See docs/notifications.md.
"""

import json
import logging
import os
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from http.client import HTTPException
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from queue_server import outbox
from queue_server.calendar import clock
from queue_server.extensions import socketio
from queue_server.validation import mask_phone

log = logging.getLogger(__name__)

DEFAULT_SIGNATURE = "政务服务中心"


@dataclass(frozen=True)
class Message:
    """One text message to one phone."""

    phone: str
    kind: str
    text: str
    at: str  # when it was made, ISO 8601 in hall time
    id: str  # sent as Idempotency-Key, so a gateway can drop a retried duplicate


def notify(phone: str | None, kind: str, **params) -> None:
    """Queue the message of this kind for the phone; it is sent once the session commits."""
    signature = current_app.config.get("SMS_SIGNATURE") or params.get("hall_name") or DEFAULT_SIGNATURE
    text = render(kind, signature=signature, tz=clock.hall_tz(), **params)
    phone = (phone or "").strip()
    if not phone:
        return
    message = Message(phone, kind, text, clock.now().isoformat(timespec="seconds"), uuid.uuid4().hex)
    outbox.record("sms", message)


def deliver(messages: list[Message] | None) -> None:
    """Hand messages to the configured backend; never raise."""
    if not messages:
        return
    try:
        make_notifier(current_app).send(messages)
    except Exception:  # the change is committed: a broken notifier must not turn the answer into a 500
        log.exception("could not send %d notification(s)", len(messages))


# --- Message texts -------------------------------------------------------------------------------
# Each kind is a function of keyword parameters returning the text without the signature. Every
# kind takes hall_name (the hall that sends it: the signature unless SMS_SIGNATURE is set); dates
# and datetimes may be passed as such and are written in hall time.


def _case_accepted(*, case_no, service_name, deadline=None, hall_name=None) -> str:
    promise = f"，承诺{deadline}前办结" if deadline else ""
    return f"您申请的{service_name}已受理，办件编号{case_no}{promise}。可凭办件编号和手机号查询进度。"


def _case_supplement(*, case_no, service_name, missing, hall_name=None) -> str:
    return (
        f"您申请的{service_name}（办件编号{case_no}）需补正材料：{_listing(missing)}。"
        "请补齐后提交，补正期间暂停计时。"
    )


def _case_result_ready(*, case_no, service_name, hall_name, window="统一出件窗口", address=None) -> str:
    where = f"{hall_name}（{address}）" if address else hall_name
    return f"您申请的{service_name}（办件编号{case_no}）已办结，请携带本人身份证件到{where}{window}领取。"


def _case_mailed(*, case_no, waybill_no, service_name=None, hall_name=None) -> str:
    return f"{_your_case(case_no, service_name)}已办结，结果已寄出，运单号{waybill_no}，请留意查收。"


def _case_not_accepted(*, case_no, reason, service_name=None, hall_name=None) -> str:
    return f"{_your_case(case_no, service_name)}不予受理，原因：{_shortened(reason)}。如有疑问请咨询窗口。"


def _turn_near(*, number, ahead, queue_name=None, window=None, hall_name=None) -> str:
    ticket = f"您取的{number}号" + (f"（{queue_name}）" if queue_name else "")
    where = f"到{window}" if window else "回到大厅"
    if int(ahead) <= 0:
        return f"{ticket}即将叫号，请尽快{where}等候。"
    return f"{ticket}前面还有{ahead}人，请尽快{where}留意叫号。"


def _booking_confirmed(*, code, hall_name, queue_name, start) -> str:
    return (
        f"您已预约{start}在{hall_name}办理{queue_name}业务，预约码{code}。"
        "请按时凭预约码取号，不能前来请提前取消。"
    )


def _booking_reminder(*, code, hall_name, queue_name, start) -> str:
    return (
        f"温馨提醒：您预约的{queue_name}业务将于{start}在{hall_name}办理，预约码{code}，请按时凭预约码取号。"
    )


def _booking_cancelled(*, code, hall_name=None, queue_name=None, start=None) -> str:
    when = f"{start}的" if start else "的"
    what = f"{queue_name}业务" if queue_name else ""
    return f"您{when}{what}预约（预约码{code}）已取消。"


def _agent_requested(*, case_no, service_name, home_visit=False, hall_name=None) -> str:
    what = "上门办理" if home_visit else "代办"
    return (
        f"您申请{what}的{service_name}已登记，办件编号{case_no}。代办员将尽快与您电话联系，"
        "可凭办件编号和手机号查询进度。"
    )


def _agent_visit_booked(*, case_no, service_name, visit_at, agent_name=None, hall_name=None) -> str:
    who = f"代办员{agent_name}" if agent_name else "代办员"
    return f"{who}将于{visit_at}上门为您办理{service_name}（办件编号{case_no}），请备好身份证件和申请材料。"


def _consultation_answered(*, service_name, answer, hall_name=None) -> str:
    return f"您咨询的“{service_name}”已答复：{_shortened(answer, 200)}。"


# The rating links stand between spaces, so that phones tell where the address ends.
def _rating_invited(*, number, link, hall_name=None) -> str:
    return f"您的{number}号业务已办理完毕，请点击 {link} 评价本次服务。"


def _case_rating_invited(*, case_no, link, service_name=None, hall_name=None) -> str:
    return f"{_your_case(case_no, service_name)}已办结送达，请点击 {link} 评价本次服务。"


TEMPLATES = {
    "case_accepted": _case_accepted,
    "case_supplement": _case_supplement,
    "case_result_ready": _case_result_ready,
    "case_mailed": _case_mailed,
    "case_not_accepted": _case_not_accepted,
    "turn_near": _turn_near,
    "booking_confirmed": _booking_confirmed,
    "booking_reminder": _booking_reminder,
    "booking_cancelled": _booking_cancelled,
    "consultation_answered": _consultation_answered,
    "agent_requested": _agent_requested,
    "agent_visit_booked": _agent_visit_booked,
    "rating_invited": _rating_invited,
    "case_rating_invited": _case_rating_invited,
}


def render(kind: str, *, signature: str, tz: ZoneInfo, **params) -> str:
    """Return the signed text of a message (ValueError for an unknown kind, TypeError for wrong params)."""
    template = TEMPLATES.get(kind)
    if template is None:
        raise ValueError(f"unknown notification kind {kind!r}; known: {', '.join(TEMPLATES)}")
    values = {name: _written(value, tz) for name, value in params.items()}
    return f"【{signature}】{template(**values)}"


def _written(value, tz: ZoneInfo):
    if isinstance(value, datetime):  # before date: a datetime is a date too
        local = value.astimezone(tz) if value.tzinfo else value
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return value


def _your_case(case_no, service_name) -> str:
    return f"您申请的{service_name}（办件编号{case_no}）" if service_name else f"您的办件{case_no}"


def _listing(items, limit: int = 5) -> str:
    """Join material names; a long list is cut, the written notice (一次性告知书) has them all."""
    items = [items] if isinstance(items, str) else [str(item) for item in items]
    if len(items) <= limit:
        return "、".join(items)
    return "、".join(items[:limit]) + f"等{len(items)}项，详见一次性告知书"


def _shortened(text, limit: int = 60) -> str:
    text = str(text).strip().rstrip("。")
    return text if len(text) <= limit else text[:limit] + "…"


# --- Backends ------------------------------------------------------------------------------------


def make_notifier(app: Flask):
    """Build the backend NOTIFIER names (ValueError for an unknown name or a missing gateway URL)."""
    config = app.config
    choice = (config.get("NOTIFIER") or "log").strip().lower()
    if choice == "log":
        return LogNotifier(
            config.get("NOTIFY_LOG_PATH") or os.path.join(app.instance_path, "notifications.log")
        )
    if choice == "http":
        if not config.get("SMS_GATEWAY_URL"):
            raise ValueError("NOTIFIER=http needs SMS_GATEWAY_URL")
        return HttpSmsNotifier(
            config["SMS_GATEWAY_URL"],
            token=config.get("SMS_GATEWAY_TOKEN"),
            timeout_s=float(config.get("SMS_TIMEOUT_S", 3)),
            retries=int(config.get("SMS_RETRIES", 3)),
            backoff_s=float(config.get("SMS_BACKOFF_S", 1)),
        )
    if choice == "none":
        return NullNotifier()
    raise ValueError(f"NOTIFIER must be log, http or none, not {choice!r}")


class NullNotifier:
    """Drop every message (NOTIFIER=none)."""

    def send(self, messages: list[Message]) -> None:
        """Drop the messages."""


class LogNotifier:
    """Append one JSON line per message to a file instead of sending it (development)."""

    def __init__(self, path: str):
        self.path = path

    def send(self, messages: list[Message]) -> None:
        """Append the messages, one write per line, so processes writing at once never mix lines."""
        lines = [
            json.dumps({"at": m.at, "phone": m.phone, "kind": m.kind, "text": m.text}, ensure_ascii=False)
            for m in messages
        ]
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            for line in lines:
                os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would follow a redirect of a POST as a GET without the body; treat it as a refusal.
    def redirect_request(self, *args, **kwargs):
        return None


class HttpSmsNotifier:
    """POST each message as JSON {phone, text, kind} to an SMS gateway, off the request path."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout_s: float = 3,
        retries: int = 3,
        backoff_s: float = 1,
    ):
        self.url = url
        self.token = token
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self._opener = urllib.request.build_opener(_NoRedirect)

    def send(self, messages: list[Message]) -> None:
        """Deliver the messages in a background task, in order."""
        in_background(self._deliver_all, list(messages))

    def _deliver_all(self, messages: list[Message]) -> None:
        for message in messages:
            self.deliver(message)

    def deliver(self, message: Message) -> bool:
        """Post one message, retrying connection errors and 5xx with backoff; log a final failure."""
        body = json.dumps(
            {"phone": message.phone, "text": message.text, "kind": message.kind}, ensure_ascii=False
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempts = 1 + max(self.retries, 0)
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            try:
                with self._opener.open(request, timeout=self.timeout_s) as response:
                    response.read()
                log.info("sms %s sent to %s", message.kind, mask_phone(message.phone))
                return True
            except urllib.error.HTTPError as error:
                error.close()
                if error.code < 500:  # the gateway refuses this message: sending it again will not help
                    log.error(
                        "sms %s to %s refused by the gateway: HTTP %s",
                        message.kind,
                        mask_phone(message.phone),
                        error.code,
                    )
                    return False
                problem = f"HTTP {error.code}"
            except (urllib.error.URLError, HTTPException, OSError) as error:  # refused, reset, timed out
                problem = str(getattr(error, "reason", error))
            if attempt < attempts:
                socketio.sleep(self.backoff_s * 2 ** (attempt - 1))
        log.error(
            "sms %s to %s not delivered after %d attempts: %s",
            message.kind,
            mask_phone(message.phone),
            attempts,
            problem,
        )
        return False


# --- Background sending --------------------------------------------------------------------------
# socketio.start_background_task runs a thread, an eventlet greenthread or a gevent greenlet as the
# server's async mode asks; the count of tasks still running lets tests (and a process about to exit)
# wait for them with flush().

_running = 0
_idle = threading.Condition()


def in_background(task, *args) -> None:
    """Run task(*args) off the request path; log whatever it raises."""
    global _running

    def run():
        global _running
        try:
            task(*args)
        except Exception:
            log.exception("background notification task failed")
        finally:
            with _idle:
                _running -= 1
                _idle.notify_all()

    with _idle:
        _running += 1
    try:
        socketio.start_background_task(run)
    except Exception:
        with _idle:
            _running -= 1
            _idle.notify_all()
        log.exception("could not start the background notification task")


def flush(timeout: float | None = None) -> bool:
    """Wait until every background send has finished; False if some still run after timeout seconds."""
    with _idle:
        return _idle.wait_for(lambda: _running == 0, timeout)
