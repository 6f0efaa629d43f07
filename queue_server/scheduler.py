"""The scheduler: the hall's timed jobs, run once: beside the web workers, or in the server without Redis.

``flask --app wsgi scheduler run`` sweeps every ``--interval`` seconds (``--once``: a single sweep).
Each job takes the time it runs for (``now``), works in its own write transaction, commits, and only
then sends its events and text messages. Without Redis the web server runs the same sweeps itself
(``start_in_server``), since only its own process can reach its Socket.IO clients.

A second scheduler started by mistake sends nothing twice. That holds by construction in the
database, whatever the timing:

- a change of a case's light is recorded as the case's next ``CaseAlert.seq``; the unique
  (case_id, seq) lets exactly one process insert it, and only the one that inserted it emits;
- the turn-near notice is claimed by a conditional UPDATE of ``tickets.near_notified_at``: only the
  process whose UPDATE changed the row sends the message;
- expiring tickets locks them (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and
  re-reads their state, so a ticket is expired, and announced, once.

With Redis, a leader lock (``SET NX PX``) also keeps a second scheduler idle; that saves work, but
the guarantees above do not depend on it.
"""

import importlib
import logging
import re
import signal
import threading
import uuid
from datetime import date, datetime, timedelta
from datetime import time as day_time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from queue_server import idempotency, outbox
from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case
from queue_server.cases.rules import case_clock_of
from queue_server.db import begin_write
from queue_server.extensions import db
from queue_server.notify import sms as notify
from queue_server.queue.hours import hours_on
from queue_server.queue.models import Hall, Ticket
from queue_server.queue.tallies import count_waiting_change
from queue_server.queue.tickets import record_change
from queue_server.realtime import events
from queue_server.supervision.models import CaseAlert
from workflows import ticket as ticket_flow

log = logging.getLogger(__name__)

ALERT_LIGHTS = ("yellow", "red")
# A case with no recorded change has been green since its clock started.
FIRST_LIGHT = "green"
# The states the ticket machine's `expire` trigger leaves (waiting, called).
EXPIRE_FROM = tuple(ticket_flow.machine.events["expire"].transitions)
_TIME = re.compile(r"(\d{1,2})[:：](\d{2})")


# --- time limits (限时办结) ---


def sweep_case_lights(now: datetime) -> list[CaseAlert]:
    """Record each running case whose light changed since the last sweep; alert on yellow and red."""
    begin_write()
    today = now.astimezone(clock.hall_tz()).date()
    running = db.session.scalars(
        select(Case)
        .where(Case.accepted_at.is_not(None), Case.decided_at.is_(None))
        .options(selectinload(Case.pauses), selectinload(Case.service))
        .order_by(Case.id)  # every scheduler takes the cases in one order: no deadlock between two
    ).all()
    last = _last_changes([case.id for case in running])
    raised = []
    calendar = hall_calendar()
    for case in running:
        timer = case_clock_of(case, today, calendar)
        seq, previous = last.get(case.id, (0, None))
        if timer.light is None or timer.light == (previous or FIRST_LIGHT):
            continue
        alert_id = _record_change(case, seq + 1, timer, previous, now)
        if alert_id is None:
            continue  # another scheduler recorded this change first: it alerts, not us
        if timer.light in ALERT_LIGHTS:
            alert = db.session.get(CaseAlert, alert_id)
            outbox.record("alert_raised", alert)
            raised.append(alert)
    _commit_and_send()
    return raised


def _last_changes(case_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Return each case's latest recorded change: (seq, light)."""
    if not case_ids:
        return {}
    latest = (
        select(CaseAlert.case_id, func.max(CaseAlert.seq).label("seq"))
        .where(CaseAlert.case_id.in_(case_ids))
        .group_by(CaseAlert.case_id)
        .subquery()
    )
    rows = db.session.execute(
        select(CaseAlert.case_id, CaseAlert.seq, CaseAlert.light).join(
            latest, and_(CaseAlert.case_id == latest.c.case_id, CaseAlert.seq == latest.c.seq)
        )
    )
    return {row.case_id: (row.seq, row.light) for row in rows}


def _record_change(case: Case, seq: int, timer, previous: str | None, now: datetime) -> int | None:
    """Insert the case's change number `seq`; None when it is already there (another scheduler's)."""
    dialect = db.session.get_bind().dialect.name
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert_into(CaseAlert)
        .values(
            case_id=case.id,
            hall_id=case.hall_id,
            seq=seq,
            light=timer.light,
            previous_light=previous or FIRST_LIGHT,
            deadline=timer.deadline,
            remaining_workdays=timer.remaining_workdays,
            raised_at=now,
        )
        .on_conflict_do_nothing(index_elements=[CaseAlert.case_id, CaseAlert.seq])
        .returning(CaseAlert.id)
    )
    return db.session.execute(stmt).scalar()


# --- tickets at closing time ---


def closing_time(hall: Hall) -> day_time:
    """Return when the hall closes as its published hours text says, else HALL_CLOSING_TIME (the charts'
    last hour; tickets expire by the issuing hours: ``last_closed_day``)."""
    times = _TIME.findall(hall.hours or "") or _TIME.findall(current_app.config["HALL_CLOSING_TIME"])
    hour, minute = times[-1]
    return day_time(int(hour), int(minute))


def last_closed_day(hall: Hall, local: datetime, calendar) -> date:
    """Return the last day whose open tickets expire in the hall: today once it has closed, else yesterday.

    A hall with issuing hours (queue_server/queue/hours.py) closes at today's closing time, and a day it
    does not open is closed from its start; a hall without them issues tickets around the clock (the
    demo hall), so its day ends at midnight.
    """
    yesterday = local.date() - timedelta(days=1)
    week = {row.weekday: row for row in hall.opening_hours}
    if not week:
        return yesterday
    today, _ = hours_on(week, local.date(), calendar)
    if today is None or local.strftime("%H:%M") >= today.close:
        return local.date()
    return yesterday


def expire_open_tickets(now: datetime) -> int:
    """Expire the waiting and called tickets of a day once its hall has closed; return how many."""
    begin_write()
    local = now.astimezone(clock.hall_tz())
    calendar = hall_calendar()
    expired = 0
    for hall in db.session.scalars(select(Hall).order_by(Hall.id)).all():
        last_open_day = last_closed_day(hall, local, calendar)
        tickets = db.session.scalars(
            select(Ticket)
            .where(
                Ticket.hall_id == hall.id, Ticket.service_date <= last_open_day, Ticket.state.in_(EXPIRE_FROM)
            )
            .order_by(Ticket.id)
            .with_for_update()  # a second scheduler waits here, then no longer finds these tickets
        ).all()
        for ticket in tickets:
            before = ticket_flow.fire(ticket, "expire", at=now)
            count_waiting_change(ticket, before)
            record_change(
                ticket, "expire", before, None, now, window_id=ticket.window_id, note="闭厅自动过期"
            )
            outbox.record("ticket_changed", ticket)
            outbox.record("queue_changed", ticket.queue)
        expired += len(tickets)
    _commit_and_send()
    return expired


# --- the turn-near notice ---


def notify_turn_near(now: datetime) -> int:
    """Text the waiting tickets with a phone that reached the first TURN_NEAR_PLACE places; return how
    many."""
    begin_write()
    places = current_app.config["TURN_NEAR_PLACE"]
    today = now.astimezone(clock.hall_tz()).date()
    in_line = (
        select(
            Ticket.id,
            func.row_number()
            .over(partition_by=Ticket.queue_id, order_by=(Ticket.lane, Ticket.queued_at, Ticket.id))
            .label("place"),
        )
        .where(Ticket.service_date == today, Ticket.state == "waiting")
        .subquery()
    )
    not_yet_told = or_(Ticket.near_notified_at.is_(None), Ticket.near_notified_at < Ticket.queued_at)
    near = db.session.execute(
        select(Ticket, in_line.c.place)
        .join(in_line, in_line.c.id == Ticket.id)
        .where(in_line.c.place <= places, Ticket.phone.is_not(None), not_yet_told)
        .options(selectinload(Ticket.queue), selectinload(Ticket.hall))
        .order_by(Ticket.id)
    ).all()
    tickets = Ticket.__table__
    sent = 0
    for ticket, place in near:
        # Claim the notice: the row changes for one process only, the one that then sends it.
        claim = (
            update(tickets)
            .where(
                tickets.c.id == ticket.id,
                tickets.c.state == "waiting",
                or_(tickets.c.near_notified_at.is_(None), tickets.c.near_notified_at < tickets.c.queued_at),
            )
            .values(near_notified_at=now)
        )
        if db.session.execute(claim).rowcount != 1:
            continue  # called meanwhile, or another scheduler told them
        notify.notify(
            ticket.phone,
            "turn_near",
            number=ticket.number,
            ahead=place - 1,
            queue_name=ticket.queue.name,
            hall_name=ticket.hall.name,
        )
        sent += 1
    _commit_and_send()
    return sent


# --- appointments (queue_server/citizen/appointments.py, when it is there) ---


def appointment_jobs() -> list:
    """Return the booking jobs of queue_server.citizen.appointments (open the slots of the bookable days, mark
    the
    missed bookings, remind the coming ones), or none while that module is absent."""
    try:
        appointments = importlib.import_module(f"{__package__}.appointments")
    except ModuleNotFoundError as error:
        if error.name != f"{__package__}.appointments":
            raise  # the module is there but something it imports is not: a real error
        return []
    names = ("open_bookable_days", "mark_missed_appointments", "send_booking_reminders")
    return [getattr(appointments, name) for name in names if callable(getattr(appointments, name, None))]


def _in_transaction(job):
    """Run an operation (flushes, never commits) in a write transaction of its own."""

    def run(now: datetime):
        begin_write()
        result = job(now)
        _commit_and_send()
        return result

    run.__name__ = job.__name__
    return run


# --- one sweep, and the loop ---


def _commit_and_send() -> None:
    db.session.commit()
    events.send_committed()  # events and SMS; closes the session


def jobs() -> list:
    """List the jobs of a sweep, in the order they run."""
    return [
        sweep_case_lights,
        expire_open_tickets,
        notify_turn_near,
        *(_in_transaction(job) for job in appointment_jobs()),
        _in_transaction(idempotency.purge_expired),
    ]


def sweep(now: datetime | None = None) -> dict:
    """Run every job once for `now` (default: the hall clock); a failing job does not stop the others."""
    now = now or clock.now()
    results = {}
    for job in jobs():
        try:
            result = job(now)
        except Exception:
            db.session.rollback()
            log.exception("scheduler job %s failed", job.__name__)
            results[job.__name__] = "failed"
            continue
        results[job.__name__] = len(result) if isinstance(result, list) else result
    db.session.remove()
    return results


class LeaderLock:
    """Who sweeps when several schedulers run: a Redis key SET NX PX, renewed by its holder.

    Without REDIS_URL every scheduler leads; with Redis down, each one sweeps too (the database
    keeps them from sending anything twice).
    """

    KEY = "wuban:scheduler:leader"
    _RENEW = (
        "if redis.call('GET', KEYS[1]) == ARGV[1] then "
        "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end"
    )

    def __init__(self, ttl_s: float):
        self.ttl_ms = int(ttl_s * 1000)
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        """Take or keep the lead; True when this process should sweep now."""
        if not current_app.config.get("REDIS_URL"):
            return True
        from queue_server.redis_client import redis_client

        try:
            client = redis_client()
            if client.eval(self._RENEW, 1, self.KEY, self.token, self.ttl_ms):
                return True
            return bool(client.set(self.KEY, self.token, nx=True, px=self.ttl_ms))
        except Exception as error:  # noqa: BLE001 - Redis down: sweep anyway, the database guards
            log.warning("scheduler leader lock unavailable (%s); sweeping anyway", error)
            return True

    def release(self) -> None:
        """Give up the lead (at exit), so another scheduler takes over at once."""
        if not current_app.config.get("REDIS_URL"):
            return
        from queue_server.redis_client import redis_client

        try:
            redis_client().eval(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) "
                "else return 0 end",
                1,
                self.KEY,
                self.token,
            )
        except Exception:  # noqa: BLE001
            pass


def run_forever(interval_s: float, report=print) -> None:
    """Sweep every interval_s seconds until SIGINT or SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    lock = LeaderLock(ttl_s=max(3 * interval_s, 10))
    leading = None
    try:
        while not stop.is_set():
            if lock.acquire():
                if leading is not True:
                    report("本调度进程开始执行定时任务 (leading)")
                leading = True
                results = sweep()
                if any(value for value in results.values()):
                    report(f"{clock.now():%Y-%m-%d %H:%M:%S} {results}")
            elif leading is not False:
                leading = False
                report("另一调度进程正在执行定时任务，本进程待命 (standing by)")
            stop.wait(interval_s)
    finally:
        lock.release()
        notify.flush(timeout=10)


# --- in the server: the timers of an install without Redis (docs/scheduler.md) ---
#
# Without a message queue a scheduler process cannot reach the server's Socket.IO clients, so the
# server runs the timers itself: a background task of the worker (gunicorn.conf.py's post_worker_init).
# A file lock per database keeps it to one runner on the host when several workers are started.

_in_server: dict = {}


def runs_in_server(config) -> bool:
    """Tell whether the web server runs the timers: SCHEDULER_IN_SERVER, by default when there is no Redis."""
    choice = str(config.get("SCHEDULER_IN_SERVER") or "auto").strip().lower()
    if choice in ("1", "true", "yes", "on"):
        return True
    if choice in ("0", "false", "no", "off"):
        return False
    return not config.get("REDIS_URL")


def start_in_server(app, workers: int = 1) -> bool:
    """Start the timers as a background task of this server process if it should run them; True if so."""
    from queue_server.extensions import socketio

    if _in_server or not runs_in_server(app.config):
        return False
    interval = app.config["SCHEDULER_INTERVAL_S"]
    if workers > 1 and not app.config.get("REDIS_URL"):
        log.info(
            "%d workers without REDIS_URL: one of them runs the timers; its events reach only the "
            "screens connected to it (set REDIS_URL for every screen)",
            workers,
        )
    _in_server["stop"] = threading.Event()
    _in_server["task"] = socketio.start_background_task(_run_in_server, app, interval, _in_server["stop"])
    return True


def stop_in_server(timeout: float = 5) -> None:
    """Stop the timers started by start_in_server and wait for the messages they sent."""
    stop = _in_server.pop("stop", None)
    if stop is None:
        return
    stop.set()
    _in_server.clear()
    notify.flush(timeout=timeout)


def _run_in_server(app, interval_s: float, stop: threading.Event) -> None:
    held = None
    while not stop.is_set():
        held = held or _host_lock(app)
        if held is not None:
            with app.app_context():
                try:
                    results = sweep()
                except Exception:  # noqa: BLE001 - the timers must outlive one failed sweep
                    log.exception("scheduler sweep failed")
                    results = {}
            if any(value for value in results.values()):
                log.info("scheduler %s", results)
        stop.wait(interval_s)
    if held is not None:
        held.close()  # releases the lock: another worker takes the timers over


def _host_lock(app):
    """Take this host's lock of the app's database without waiting: the open file, or None if held."""
    import fcntl
    import hashlib
    import os
    import tempfile

    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = os.path.join(app.instance_path, url.removeprefix("sqlite:///"))  # a relative path
    name = f"wuban-scheduler-{hashlib.sha256(url.encode()).hexdigest()[:16]}.lock"
    handle = open(os.path.join(tempfile.gettempdir(), name), "a")  # noqa: SIM115 - held while leading
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


# --- the operator command (registered in queue_server/cli.py) ---

scheduler_cli = AppGroup("scheduler", help="定时任务 The scheduler: time-limit alerts, closing time, SMS.")


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="Sweep once and exit (tests, cron).")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=None,
    help="Seconds between sweeps (default SCHEDULER_INTERVAL_S, 30).",
)
def scheduler_run(once: bool, interval: float | None) -> None:
    """Run the hall's timed jobs: one process beside the web workers (with REDIS_URL; docs/scheduler.md)."""
    if once:
        click.echo(f"{clock.now():%Y-%m-%d %H:%M:%S} {sweep()}")
        notify.flush(timeout=10)
        return
    interval = interval or current_app.config["SCHEDULER_INTERVAL_S"]
    click.echo(f"调度进程已启动，每 {interval:g} 秒执行一次 (Ctrl-C 停止)")
    if not current_app.config.get("REDIS_URL"):
        click.echo(
            "未设置 REDIS_URL：本进程的事件到不了页面，Web 服务器会自己执行定时任务 (docs/scheduler.md)"
        )
    run_forever(interval, report=click.echo)
