"""Administer halls, departments, queues and windows; every change is recorded in the audit log.

Operations flush, never commit, and take the acting user: what each user may administer is decided
by the one policy (``queue_server.accounts.policy``: ``hall.create``, ``hall.administer``, …).
"""

from sqlalchemy import func, or_, select, update

from queue_server import outbox
from queue_server.accounts import policy
from queue_server.admin import audit
from queue_server.admin.lists import Page, containing, page_of
from queue_server.admin.schemas import WEEKDAYS
from queue_server.calendar import clock
from queue_server.cases.models import Case
from queue_server.citizen.models import ServiceItem
from queue_server.errors import Conflict, InvalidRequest, NotFound
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall, HallHours, Queue, Ticket, Window, window_queues
from queue_server.validation import referenced
from workflows.case import FINAL_STATES

# Which level a hall's parent must be (CONTRACT.md, "A city of halls").
PARENT_LEVEL = {"district": None, "community": "district", "station": "community"}
LEVEL_NAMES = {"district": "区行政服务中心", "community": "社区服务中心", "station": "小区政务服务站"}


# --- halls ---


def hall_record(hall: Hall) -> dict:
    """Describe a hall as the audit log keeps it."""
    return {
        "name": hall.name,
        "address": hall.address,
        "phone": hall.phone,
        "level": hall.level,
        "parent": hall.parent.code if hall.parent is not None else None,
        "hours": {str(row.weekday): row.as_dict() for row in hall.opening_hours} or None,
    }


def list_halls(actor, query) -> Page:
    """Return the halls the user administers, searched by code or name."""
    policy.require(actor, "admin.console")
    stmt = select(Hall).where(policy.admin_scope(actor, Hall.id))
    if query.q:
        stmt = stmt.where(containing(query.q, Hall.code, Hall.name))
    return page_of(stmt, query, Hall.code)


def _parent(hall: Hall | None, code: str | None, level: str) -> Hall | None:
    """Return the parent hall a body names, checked against the level; 400 naming ``parent`` otherwise."""
    wanted = PARENT_LEVEL[level]
    if code is None:
        if wanted is not None:
            raise InvalidRequest({"parent": f"{LEVEL_NAMES[level]}须指定上级（{LEVEL_NAMES[wanted]}）"})
        return None
    parent = referenced("hall", code, "parent")
    if wanted is None:
        raise InvalidRequest({"parent": "区行政服务中心没有上级大厅"})
    if parent.level != wanted:
        raise InvalidRequest({"parent": f"{LEVEL_NAMES[level]}的上级应为{LEVEL_NAMES[wanted]}"})
    ancestor = parent
    while ancestor is not None:
        if hall is not None and ancestor.id == hall.id:
            raise InvalidRequest({"parent": "上级大厅不能是本大厅或其下级"})
        ancestor = ancestor.parent
    return parent


def _set_hours(hall: Hall, hours: dict | None) -> None:
    """Set a week of hours in place (None: tickets around the clock)."""
    if hours is None:
        hall.opening_hours.clear()
        return
    rows = {row.weekday: row for row in hall.opening_hours}
    for day in WEEKDAYS:
        row = rows.get(int(day))
        if row is None:
            row = HallHours(weekday=int(day))
            hall.opening_hours.append(row)
        times = hours[day]
        row.open, row.last_ticket, row.close = (
            (times.open, times.last_ticket, times.close) if times is not None else (None, None, None)
        )


def create_hall(actor, req) -> Hall:
    """Create a hall (administrators only); 409 when the code is taken."""
    policy.require(actor, "hall.create")
    if db.session.scalar(select(Hall.id).where(Hall.code == req.code)) is not None:
        raise Conflict(f"服务大厅编码已被使用：{req.code}", {"fields": {"code": "编码已被使用"}})
    hall = Hall(
        code=req.code,
        name=req.name,
        address=req.address,
        phone=req.phone,
        level=req.level,
        parent=_parent(None, req.parent, req.level),
    )
    db.session.add(hall)
    _set_hours(hall, req.hours)
    db.session.flush()
    audit.record(actor, "hall.created", f"hall:{hall.code}", None, hall_record(hall), hall.id)
    return hall


def update_hall(actor, hall: Hall, req) -> Hall:
    """Change any field of a hall but its code."""
    policy.require(actor, "hall.administer", hall_id=hall.id)
    before = hall_record(hall)
    given = req.model_fields_set
    for name in ("name", "address", "phone"):
        if name in given:
            setattr(hall, name, getattr(req, name))
    level = req.level if "level" in given else hall.level
    if "level" in given or "parent" in given:
        code = req.parent if "parent" in given else (hall.parent.code if hall.parent is not None else None)
        hall.parent = _parent(hall, code, level)
        hall.level = level
        if level != "station" and db.session.scalar(
            select(Hall.id).where(Hall.parent_id == hall.id, Hall.level != _child_level(level)).limit(1)
        ):
            raise InvalidRequest({"level": "本大厅的下级大厅与该级别不符，请先调整下级大厅"})
    if "hours" in given:
        _set_hours(hall, req.hours)
    db.session.flush()
    old, new = audit.changes(before, hall_record(hall))
    if new:
        audit.record(actor, "hall.updated", f"hall:{hall.code}", old, new, hall.id)
    return hall


def _child_level(level: str) -> str | None:
    return next((child for child, parent in PARENT_LEVEL.items() if parent == level), None)


# --- departments ---


def list_departments(actor, query) -> Page:
    """Return the departments (every hall's), searched by code or name."""
    policy.require(actor, "admin.console")
    stmt = select(Department)
    if query.q:
        stmt = stmt.where(containing(query.q, Department.code, Department.name))
    return page_of(stmt, query, Department.code)


def create_department(actor, req) -> Department:
    """Create a department (administrators only); 409 when the code is taken."""
    policy.require(actor, "department.create")
    if db.session.scalar(select(Department.id).where(Department.code == req.code)) is not None:
        raise Conflict(f"部门编码已被使用：{req.code}", {"fields": {"code": "编码已被使用"}})
    department = Department(code=req.code, name=req.name)
    db.session.add(department)
    db.session.flush()
    audit.record(
        actor,
        "department.created",
        f"department:{department.code}",
        None,
        {"code": department.code, "name": department.name},
    )
    return department


# --- queues ---


def get_queue(hall: Hall, code: str) -> Queue:
    """Return the hall's queue named in the path, or answer 404."""
    queue = db.session.scalar(
        select(Queue).where(Queue.hall_id == hall.id, Queue.code == code, Queue.retired_at.is_(None))
    )
    if queue is None:
        raise NotFound(f"本大厅没有该队列：{code}", {"queue": code})
    return queue


def list_queues(actor, hall: Hall, query) -> Page:
    """Return the hall's queues, searched by code, name or prefix."""
    policy.require(actor, "hall.administer", hall_id=hall.id)
    stmt = select(Queue).where(Queue.hall_id == hall.id, Queue.retired_at.is_(None))
    if query.q:
        stmt = stmt.where(containing(query.q, Queue.code, Queue.name, Queue.prefix))
    return page_of(stmt, query, Queue.prefix, Queue.code)


def create_queue(actor, hall: Hall, req) -> Queue:
    """Add a queue to the hall; 409 when its code or prefix is taken there."""
    policy.require(actor, "hall.administer", hall_id=hall.id)
    taken = {}
    if db.session.scalar(select(Queue.id).where(Queue.hall_id == hall.id, Queue.code == req.code)):
        taken["code"] = "本大厅已有该编码的队列"
    if db.session.scalar(select(Queue.id).where(Queue.hall_id == hall.id, Queue.prefix == req.prefix)):
        taken["prefix"] = "本大厅已有该号码前缀的队列"
    if taken:
        raise Conflict("队列编码或号码前缀已被使用", {"fields": taken})
    queue = Queue(hall=hall, code=req.code, name=req.name, prefix=req.prefix)
    db.session.add(queue)
    db.session.flush()
    audit.record(
        actor,
        "queue.created",
        f"queue:{hall.code}/{queue.code}",
        None,
        {"code": queue.code, "name": queue.name, "prefix": queue.prefix},
        hall.id,
    )
    return queue


def _blockers(hall: Hall, queue: Queue) -> dict:
    """Name what still uses a queue: today's tickets, running cases of its items, windows serving it."""
    blocked: dict = {}
    tickets = db.session.scalar(
        select(func.count(Ticket.id)).where(
            or_(Ticket.queue_id == queue.id, Ticket.origin_queue_id == queue.id),
            Ticket.service_date == clock.today(),
        )
    )
    if tickets:
        blocked["tickets"] = tickets
    cases = db.session.scalar(
        select(func.count(Case.id))
        .join(ServiceItem, Case.service_id == ServiceItem.id)
        .where(Case.hall_id == hall.id, ServiceItem.queue_code == queue.code, Case.state.not_in(FINAL_STATES))
    )
    if cases:
        blocked["cases"] = cases
    windows = [window.number for window in queue.windows]
    if windows:
        blocked["windows"] = windows
    return blocked


def delete_queue(actor, hall: Hall, queue: Queue) -> None:
    """Delete a queue no ticket of today, running case or window uses (409 naming them otherwise).

    A queue older tickets name is retired instead: kept for the records, never listed again, and its
    code and prefix are free for a new queue.
    """
    policy.require(actor, "hall.administer", hall_id=hall.id)
    blocked = _blockers(hall, queue)
    if blocked:
        names = {"tickets": "今日号票", "cases": "在办办件", "windows": "窗口"}
        raise Conflict(
            f"队列仍被{'、'.join(names[key] for key in blocked)}使用，不能删除", {"blocked_by": blocked}
        )
    record = {"code": queue.code, "name": queue.name, "prefix": queue.prefix}
    used = db.session.scalar(
        select(Ticket.id).where(or_(Ticket.queue_id == queue.id, Ticket.origin_queue_id == queue.id)).limit(1)
    )
    if used is None:
        db.session.delete(queue)
    else:
        queue.retired_at = clock.now()
        queue.code = f"{queue.code[:20]}~{queue.id}"
        queue.prefix = "~" + _base36(queue.id)[-3:]
    db.session.flush()
    audit.record(actor, "queue.deleted", f"queue:{hall.code}/{record['code']}", record, None, hall.id)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


# --- windows ---


def window_record(window: Window) -> dict:
    """Describe a window as the audit log keeps it."""
    return {
        "number": window.number,
        "name": window.name,
        "queues": [queue.code for queue in window.queues],
        "pickup": window.pickup,
    }


def list_windows(actor, hall: Hall, query) -> Page:
    """Return the hall's windows, searched by name or number."""
    policy.require(actor, "hall.administer", hall_id=hall.id)
    stmt = select(Window).where(Window.hall_id == hall.id)
    if query.q:
        condition = containing(query.q, Window.name)
        if query.q.isdigit():
            condition = or_(condition, Window.number == int(query.q))
        stmt = stmt.where(condition)
    return page_of(stmt, query, Window.number)


def _queues_in_body(hall: Hall, codes: list[str]) -> list[Queue]:
    found = {
        queue.code: queue
        for queue in db.session.scalars(
            select(Queue).where(Queue.hall_id == hall.id, Queue.code.in_(codes), Queue.retired_at.is_(None))
        )
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise InvalidRequest({"queues": f"本大厅没有该队列：{'、'.join(unknown)}"})
    return [found[code] for code in codes]


def _serve_in_order(window: Window, queues: list[Queue]) -> None:
    """Give the window these queues, served in this order (from its next call-next on)."""
    window.queues = queues
    db.session.flush()
    for position, queue in enumerate(queues):
        db.session.execute(
            update(window_queues)
            .where(window_queues.c.window_id == window.id, window_queues.c.queue_id == queue.id)
            .values(position=position)
        )


def create_window(actor, hall: Hall, req) -> Window:
    """Add a window to the hall; 409 when its number is taken there."""
    policy.require(actor, "hall.administer", hall_id=hall.id)
    if db.session.scalar(select(Window.id).where(Window.hall_id == hall.id, Window.number == req.number)):
        raise Conflict(f"本大厅已有 {req.number} 号窗口", {"fields": {"number": "窗口号已被使用"}})
    queues = _queues_in_body(hall, req.queues)
    window = Window(hall=hall, number=req.number, name=req.name, pickup=req.pickup, status="closed")
    db.session.add(window)
    _serve_in_order(window, queues)
    audit.record(
        actor, "window.created", f"window:{hall.code}/{window.number}", None, window_record(window), hall.id
    )
    outbox.record("window_changed", window)
    return window


def update_window(actor, window: Window, req) -> Window:
    """Change a window's name, queues (in order) or pickup flag; its screens and the board hear of it."""
    policy.require(actor, "hall.administer", hall_id=window.hall_id)
    before = window_record(window)
    given = req.model_fields_set
    if "name" in given:
        window.name = req.name
    if "pickup" in given:
        window.pickup = req.pickup
    if "queues" in given:
        _serve_in_order(window, _queues_in_body(window.hall, req.queues))
    db.session.flush()
    old, new = audit.changes(before, window_record(window))
    if new:
        audit.record(
            actor, "window.updated", f"window:{window.hall.code}/{window.number}", old, new, window.hall_id
        )
        outbox.record("window_changed", window)
    return window
