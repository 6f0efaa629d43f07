"""Ticket operations: issue a number, call the next one, and every other step of the ticket machine.

Operations flush but never commit; they take the acting user and check what that user may do.
"""

import time

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from workflows import ticket as ticket_flow

from . import clock, events
from .errors import Conflict, Forbidden, InvalidRequest, InvalidTransition
from .extensions import db
from .halls import queue_in_body
from .models import (
    NORMAL_LANE,
    PRIORITY_LANE,
    Hall,
    Queue,
    ServiceItem,
    Ticket,
    TicketCounter,
    TicketEvent,
    User,
    Window,
    window_queues,
)
from .schemas import TicketRequest

# Finished tickets of the day that feed a queue's service-time estimate.
_RECENT_SERVICES = 20


def issue_ticket(hall: Hall, req: TicketRequest) -> Ticket:
    """Take a number in a queue of the hall (at a kiosk or online)."""
    queue = queue_in_body(hall, req.queue)
    service = None
    if req.service is not None:
        service = db.session.scalar(select(ServiceItem).where(ServiceItem.code == req.service))
        if service is None:
            raise InvalidRequest({"service": f"事项不存在：{req.service}"})
        if service.queue_code != queue.code:
            raise InvalidRequest({"service": f"该事项应在“{service.queue_code}”队列办理，不在本队列"})

    at = clock.now()
    seq = _next_number(queue, at.date())
    ticket = Ticket(
        hall=hall,
        queue=queue,
        origin_queue_id=queue.id,
        service=service,
        service_date=at.date(),
        number=f"{queue.prefix}{seq:03d}",
        state="waiting",
        lane=PRIORITY_LANE if req.priority == "priority" else NORMAL_LANE,
        priority_reason=req.priority_reason,
        phone=req.phone,
        issued_at=at,
        queued_at=at,
        recalls=0,
    )
    db.session.add(ticket)
    db.session.flush()
    _record(ticket, "issue", None, None, at)
    events.queue_changed(queue)
    return ticket


def _next_number(queue: Queue, day) -> int:
    """Take the queue's next daily sequence number in one atomic upsert."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(TicketCounter)
        .values(queue_id=queue.id, service_date=day, last_seq=1)
        .on_conflict_do_update(
            index_elements=[TicketCounter.queue_id, TicketCounter.service_date],
            set_={"last_seq": TicketCounter.last_seq + 1},
        )
        .returning(TicketCounter.last_seq)
    )
    return db.session.execute(stmt).scalar_one()


def call_next(window: Window, actor: User) -> Ticket | None:
    """Call the window's next ticket: priority first, then the longest in line. None when nobody waits."""
    require_clerk(actor, window.hall_id)
    if window.status != "open":
        raise Conflict("窗口未开放（已暂停或关闭），不能叫号", {"window": window.id, "status": window.status})
    served_queues = select(window_queues.c.queue_id).where(window_queues.c.window_id == window.id)
    # SKIP LOCKED: a ticket another window is taking right now is passed over, never handed out twice.
    # SQLite has no row locks; there the request's BEGIN IMMEDIATE serializes callers instead.
    ticket = db.session.scalars(
        select(Ticket)
        .where(
            Ticket.queue_id.in_(served_queues),
            Ticket.service_date == clock.today(),
            Ticket.state == "waiting",
        )
        .order_by(Ticket.lane, Ticket.queued_at, Ticket.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if ticket is None:
        return None
    if window.clerk_id != actor.id:
        window.clerk = actor
    call = _fire(ticket, "call", actor, window=window)
    events.ticket_called(ticket, call.id)
    events.ticket_changed(ticket)
    events.queue_changed(ticket.queue)
    return ticket


def fire_ticket_trigger(ticket: Ticket, trigger: str, actor: User, target_queue_code: str | None = None) -> Ticket:
    """Fire a clerk's trigger (recall, start, finish, no_show, requeue, transfer, cancel) on a ticket."""
    allowed = [name for name in ticket_flow.allowed_triggers(ticket.state) if name in ticket_flow.CLERK_TRIGGERS]
    if trigger not in allowed:
        raise InvalidTransition(ticket.state, trigger, allowed)
    require_clerk(actor, ticket.hall_id)

    if trigger == "transfer":
        if target_queue_code is None:
            raise InvalidRequest({"queue": "必填"})
        target = queue_in_body(ticket.hall, target_queue_code)
        if target.id == ticket.queue_id:
            raise InvalidRequest({"queue": "已在该队列中，请选择其他队列"})
        source = ticket.queue
        _fire(ticket, "transfer", actor, queue=target, window=ticket.window)
        events.ticket_changed(ticket)
        events.queue_changed(source)
        events.queue_changed(target)
        return ticket

    change = _fire(ticket, trigger, actor, window=ticket.window)
    events.ticket_changed(ticket)
    if trigger == "recall":
        events.ticket_called(ticket, change.id)
    if trigger in ("requeue", "cancel"):
        events.queue_changed(ticket.queue)
    return ticket


def set_window_status(window: Window, status: str, actor: User) -> Window:
    """Open, pause or close a window; opening it signs the clerk in at it."""
    require_clerk(actor, window.hall_id)
    window.status = status
    window.clerk = None if status == "closed" else actor
    db.session.flush()
    events.window_changed(window)
    return window


def require_clerk(actor: User, hall_id: int) -> None:
    """Refuse (403) an actor who is not a clerk of the hall."""
    if not actor.has_role("clerk"):
        raise Forbidden("只有窗口工作人员可以操作号票")
    if not actor.works_in(hall_id):
        raise Forbidden("不能操作其他服务大厅的窗口和号票")


def _fire(ticket: Ticket, trigger: str, actor: User, window: Window | None = None, **kwargs) -> TicketEvent:
    at = clock.now()
    before = ticket_flow.fire(ticket, trigger, at=at, window=window, **kwargs)
    change = _record(ticket, trigger, before, actor, at, window)
    db.session.flush()
    return change


def _record(ticket: Ticket, trigger: str, before: str | None, actor: User | None, at,
            window: Window | None = None) -> TicketEvent:
    change = TicketEvent(
        ticket_id=ticket.id,
        trigger=trigger,
        from_state=before,
        to_state=ticket.state,
        actor_id=actor.id if actor else None,
        window_id=window.id if window else None,
        queue_id=ticket.queue.id,
        at=at,
    )
    db.session.add(change)
    return change


def waiting_counts(queue_ids) -> dict[int, int]:
    """Count today's waiting tickets of each queue."""
    rows = db.session.execute(
        select(Ticket.queue_id, func.count())
        .where(Ticket.queue_id.in_(list(queue_ids)), Ticket.service_date == clock.today(), Ticket.state == "waiting")
        .group_by(Ticket.queue_id)
    )
    return dict(rows.all())


def waiting_ahead(ticket: Ticket) -> int:
    """Count the tickets of the same queue that will be called before this one."""
    earlier = or_(
        Ticket.queued_at < ticket.queued_at,
        and_(Ticket.queued_at == ticket.queued_at, Ticket.id < ticket.id),
    )
    return db.session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.queue_id == ticket.queue_id,
            Ticket.service_date == ticket.service_date,
            Ticket.state == "waiting",
            or_(Ticket.lane < ticket.lane, and_(Ticket.lane == ticket.lane, earlier)),
        )
    )


def service_seconds(queue: Queue) -> float:
    """Estimate one service at this queue: today's recent average, else the queue's typical time."""
    today_start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    recent = (
        select(Ticket.finished_at, Ticket.started_at)
        .where(Ticket.queue_id == queue.id, Ticket.state == "done", Ticket.finished_at >= today_start)
        .order_by(Ticket.finished_at.desc())
        .limit(_RECENT_SERVICES)
    )
    durations = [(end - start).total_seconds() for end, start in db.session.execute(recent) if start]
    return sum(durations) / len(durations) if durations else float(queue.avg_service_s)


def windows_serving(queue: Queue) -> int:
    """Count the windows open on the queue (all its windows before the hall opens; at least 1)."""
    open_count = sum(1 for window in queue.windows if window.status == "open")
    return max(1, open_count or len(queue.windows))


# queue id -> (valid until, seconds per ticket in line); the rate moves slowly, the estimate is read often.
_pace_cache: dict[int, tuple[float, float]] = {}


def seconds_per_ticket(queue: Queue) -> float:
    """Return how many seconds each ticket ahead adds to the wait (cached for ESTIMATE_CACHE_S)."""
    ttl = current_app.config["ESTIMATE_CACHE_S"]
    cached = _pace_cache.get(queue.id)
    if ttl and cached and cached[0] > time.monotonic():
        return cached[1]
    pace = service_seconds(queue) / windows_serving(queue)
    _pace_cache[queue.id] = (time.monotonic() + ttl, pace)
    return pace


def estimated_wait_s(queue: Queue, ahead: int) -> int:
    """Estimate the seconds until a ticket with `ahead` tickets before it is called."""
    return round(ahead * seconds_per_ticket(queue))


def ticket_view(ticket: Ticket) -> dict:
    """Render a ticket as the contract's ticket object."""
    ahead = est = None
    if ticket.state == "waiting":
        ahead = waiting_ahead(ticket)
        est = estimated_wait_s(ticket.queue, ahead)
    return {
        "id": ticket.id,
        "hall": ticket.hall.code,
        "number": ticket.number,
        "queue": ticket.queue.code,
        "queue_name": ticket.queue.name,
        "priority": ticket.priority,
        "priority_reason": ticket.priority_reason,
        "state": ticket.state,
        "window_number": ticket.window.number if ticket.window else None,
        "issued_at": clock.to_hall_iso(ticket.issued_at),
        "called_at": clock.to_hall_iso(ticket.called_at),
        "recalls": ticket.recalls,
        "waiting_ahead": ahead,
        "est_wait_s": est,
    }


def queue_views(hall: Hall) -> list[dict]:
    """Render the hall's queues with their waiting counts and the wait a new ticket can expect."""
    counts = waiting_counts(queue.id for queue in hall.queues)
    return [
        {
            "code": queue.code,
            "name": queue.name,
            "prefix": queue.prefix,
            "waiting": counts.get(queue.id, 0),
            "est_wait_s": estimated_wait_s(queue, counts.get(queue.id, 0)),
        }
        for queue in hall.queues
    ]


def ticket_history(ticket: Ticket) -> list[dict]:
    """Render the ticket's recorded changes, oldest first."""
    rows = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
    return [
        {
            "trigger": row.trigger,
            "from": row.from_state,
            "to": row.to_state,
            "actor": row.actor.username if row.actor else None,
            "at": clock.to_hall_iso(row.at),
        }
        for row in rows
    ]


